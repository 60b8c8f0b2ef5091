import { expect, Page, test } from "@playwright/test";
import { hydrated, scrollsSideways, signIn } from "./helpers";

// Compose with the keyboard alone, and the pages people write and read on at 200% zoom
// (WCAG 1.4.4 and 1.4.10): nothing scrolls sideways. The reply box's keyboard test is in
// reply-drafts.spec.ts.

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

async function signInAs(page: Page, email: string, home: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
  await expect(page).toHaveURL(home);
}

/** Presses Tab until `target` has focus (at most `limit` times); fails if it never does. */
async function tabTo(page: Page, target: ReturnType<Page["getByRole"]>, limit = 40) {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((element) => element === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  await expect(target).toBeFocused();
}

test("keyboard only: a Veteran writes and sends a new message without a mouse", async ({ page }) => {
  await signInAs(page, "veteran@example.com", "/inbox");
  await page.goto("/messages/new");
  await hydrated(page);
  await expect(page.locator("form.sm-compose")).toHaveAttribute("data-enhanced", "true");

  const to = page.getByRole("combobox", { name: "To", exact: true });
  const category = page.getByRole("combobox", { name: "Category", exact: true });
  const subject = page.getByRole("textbox", { name: "Subject", exact: true });
  const message = page.getByRole("textbox", { name: "Message", exact: true });
  const send = page.getByRole("button", { name: "Send", exact: true });

  // From the top of the page, Tab reaches each field in reading order.
  await page.locator("body").focus();
  await tabTo(page, to);
  // A select chooses by typing the start of an option, as people do.
  await page.keyboard.type("Pharmacy");
  await expect(to.locator("option:checked")).toHaveText("Pharmacy");
  await page.keyboard.press("Tab");
  await expect(category).toBeFocused();
  await page.keyboard.type("Medication");
  await expect(category.locator("option:checked")).toHaveText("Medication");
  await page.keyboard.press("Tab");
  await expect(subject).toBeFocused();
  const title = `Keyboard compose ${unique()}`;
  await page.keyboard.type(title);
  await page.keyboard.press("Tab");
  await expect(message).toBeFocused();
  await page.keyboard.type("Written and sent with the keyboard alone.");
  await tabTo(page, send, 10);
  await page.keyboard.press("Enter");

  await expect(page).toHaveURL(/\/messages\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
  await expect(page.locator(".sm-message").last()).toContainText("Written and sent with the keyboard alone.");
});

test.describe("at 200% zoom", () => {
  // A 1280 × 720 window zoomed to 200% lays pages out in 640 × 360 CSS pixels.
  test.use({ viewport: { width: 640, height: 360 }, deviceScaleFactor: 2 });

  test("compose and a conversation do not scroll sideways", async ({ page }) => {
    await signInAs(page, "veteran@example.com", "/inbox");
    await page.goto("/messages/new");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Start a new message");
    await hydrated(page);
    expect(await scrollsSideways(page)).toBe(false);

    await page.goto("/inbox");
    await page.locator(".sm-thread a").first().click();
    await expect(page).toHaveURL(/\/messages\/\d+$/);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await hydrated(page);
    expect(await scrollsSideways(page)).toBe(false);
  });

  test("the team inbox and a team conversation do not scroll sideways", async ({ page }) => {
    await signInAs(page, "nurse@example.com", "/team");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Team inbox");
    await hydrated(page);
    expect(await scrollsSideways(page)).toBe(false);

    await page.locator("a[href^='/team/threads/']").first().click();
    await expect(page).toHaveURL(/\/team\/threads\/\d+$/);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await hydrated(page);
    expect(await scrollsSideways(page)).toBe(false);
  });
});
