import { expect, test } from "@playwright/test";
import {
  ACCOUNTS,
  collectConsoleErrors,
  expectNoAxeViolations,
  hydrated,
  scrollsSideways,
  signIn,
} from "./helpers";

test("the sign-in page hydrates with no console errors and no axe violations", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.goto("/sign-in");
  await hydrated(page);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in to Secure Messaging");
  await expect(page.getByText("Demo", { exact: true })).toBeVisible();
  await expectNoAxeViolations(page);
  expect(errors).toEqual([]);
});

for (const account of ACCOUNTS) {
  test(`${account.email} signs in, lands on ${account.home}, and signs out`, async ({ page }) => {
    const errors = collectConsoleErrors(page);
    await page.goto("/sign-in");
    await signIn(page, account.email);
    await expect(page).toHaveURL(account.home);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText(account.heading);
    await expect(page.getByRole("banner")).toContainText(account.name);
    await hydrated(page);
    await expectNoAxeViolations(page);
    expect(errors).toEqual([]);

    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL("/sign-in");
    // Signed out for real: the home now sends us back to sign in.
    await page.goto(account.home);
    await expect(page).toHaveURL(/\/sign-in\?next=/);
  });
}

test("each role sees its own navigation", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const link of ["Inbox", "Sent", "Drafts", "Trash", "My folders", "Start a new message"]) {
    await expect(nav.getByRole("link", { name: link })).toBeVisible();
  }
  await expect(nav.getByRole("link", { name: "Inbox" })).toHaveAttribute("aria-current", "page");
  await hydrated(page);
  await nav.getByRole("link", { name: "Sent" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sent");
  // Alex's messages, newest first (which ones depends on what earlier spec files sent).
  await expect(page.locator('main a[href^="/messages/"]').first()).toBeVisible();
});

test("a wrong password and an unknown email get the same message", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com", "wrong-password-123");
  const alert = page.getByRole("alert").first();
  await expect(alert).toContainText("The email address or password is incorrect.");
  const wrongPassword = await alert.textContent();

  await page.goto("/sign-in");
  await signIn(page, "nobody@example.com", "wrong-password-123");
  expect(await page.getByRole("alert").first().textContent()).toBe(wrongPassword);
  await expectNoAxeViolations(page);
});

test("empty fields are named next to each field", async ({ page }) => {
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByText("Enter your email address.").first()).toBeVisible();
  await expect(page.getByText("Enter your password.").first()).toBeVisible();
  await expect(page.getByLabel("Email address")).toHaveAttribute("aria-invalid", "true");
  await expectNoAxeViolations(page);
});

test("signing in returns to the page that asked for it", async ({ page }) => {
  await page.goto("/drafts");
  await expect(page).toHaveURL("/sign-in?next=%2Fdrafts");
  await signIn(page, "veteran@example.com");
  await expect(page).toHaveURL("/drafts");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Drafts");
});

test("a Veteran opening /admin gets 403", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com");
  await expect(page).toHaveURL("/inbox");
  const response = await page.goto("/admin");
  expect(response?.status()).toBe(403);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("You don't have access to this page");
  await expectNoAxeViolations(page);
});

test("sign-in works with JavaScript turned off", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/sign-in");
  await signIn(page, "veteran@example.com", "wrong-password-123");
  await expect(page.getByRole("alert").first()).toContainText("The email address or password is incorrect.");
  await signIn(page, "clinician@example.com");
  await expect(page).toHaveURL("/team");
  await expect(page.getByRole("banner")).toContainText("Dr. Morgan Patel");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/sign-in");
  await context.close();
});

test.describe("at 320 px wide", () => {
  test.use({ viewport: { width: 320, height: 640 } });

  test("no page scrolls sideways", async ({ page }) => {
    await page.goto("/sign-in");
    expect(await scrollsSideways(page)).toBe(false);
    for (const account of [ACCOUNTS[0], ACCOUNTS[3], ACCOUNTS[5]]) {
      await page.goto("/sign-in");
      await signIn(page, account.email);
      await expect(page).toHaveURL(account.home);
      expect(await scrollsSideways(page), account.home).toBe(false);
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await expect(page).toHaveURL("/sign-in");
    }
  });
});

test.describe("at 200% zoom", () => {
  // 200% zoom of a 1280 px window lays out like a 640 px one at twice the pixel density.
  test.use({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 });

  test("the veteran home is readable without sideways scrolling", async ({ page }) => {
    await page.goto("/sign-in");
    expect(await scrollsSideways(page)).toBe(false);
    await signIn(page, "caregiver@example.com");
    await expect(page).toHaveURL("/inbox");
    // The caregiver sees Alex's inbox: the thread list with its row forms fits the width.
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Inbox");
    await expect(page.getByRole("link", { name: "Blood pressure medicine refill" })).toBeVisible();
    await expect(page.getByRole("button", { name: /^Delete/ }).first()).toBeVisible();
    expect(await scrollsSideways(page)).toBe(false);
  });
});
