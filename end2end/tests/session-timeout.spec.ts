import { Browser, expect, Page, test } from "@playwright/test";
import { expectNoAxeViolations, hydrated, signIn } from "./helpers";

// Sessions end after a while without anything the person does (SM_SESSION_IDLE_SECONDS).
// These run against the second server of playwright.config.ts, whose limit is 20 seconds:
// the warning shows halfway, 10 seconds before the end.

const short = `http://127.0.0.1:${process.env.E2E_SHORT_SESSION_PORT ?? 3199}`;
const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

async function signedIn(browser: Browser, email: string, home = "/inbox"): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${short}/sign-in`);
  await signIn(page, email);
  await expect(page).toHaveURL(`${short}${home}`);
  return page;
}

test("an idle session warns, can be kept, then ends at the sign-in page with the draft kept", async ({ browser }) => {
  test.setTimeout(90_000);
  const page = await signedIn(browser, "veteran@example.com");
  await page.goto(`${short}/messages/new`);
  await hydrated(page);
  await expect(page.locator("form.sm-compose")).toHaveAttribute("data-enhanced", "true");
  const subject = `Written before the timeout ${unique()}`;
  await page.getByLabel("To", { exact: true }).selectOption({ label: "Pharmacy" });
  await page.getByLabel("Category", { exact: true }).selectOption({ label: "Medication" });
  await page.getByLabel("Subject", { exact: true }).fill(subject);
  await page.getByLabel("Message", { exact: true }).fill("Could you check my refill?");

  // The warning, with focus on the way to stay.
  const warning = page.getByRole("dialog", { name: "Your session will end soon" });
  await expect(warning).toBeVisible({ timeout: 20_000 });
  await expect(warning).toContainText("we'll sign you out in less than a minute");
  const stay = warning.getByRole("button", { name: "Stay signed in" });
  await expect(stay).toBeFocused();
  await expectNoAxeViolations(page);
  await stay.press("Enter");
  await expect(warning).toBeHidden();

  // Left alone this time: warned again, then signed out, and told why.
  await expect(warning).toBeVisible({ timeout: 20_000 });
  await expect(page).toHaveURL(`${short}/sign-in?ended=idle`, { timeout: 20_000 });
  await expect(page.getByRole("status")).toContainText("You were signed out because you hadn't done anything for a while.");
  await expectNoAxeViolations(page);

  // What was typed waits in Drafts.
  await signIn(page, "veteran@example.com");
  await expect(page).toHaveURL(`${short}/inbox`);
  await page.goto(`${short}/drafts`);
  await expect(page.getByRole("link", { name: subject, exact: true })).toBeVisible();
});

test("live updates do not keep an idle page signed in", async ({ browser }) => {
  test.setTimeout(90_000);
  const alex = await signedIn(browser, "veteran@example.com");
  await alex.goto(`${short}/sent`);
  await hydrated(alex);

  // Sam writes for Alex: Alex's open Sent list updates by itself, which is not Alex doing
  // anything.
  const sam = await signedIn(browser, "caregiver@example.com");
  await sam.goto(`${short}/messages/new`);
  await hydrated(sam);
  const subject = `While Alex is away ${unique()}`;
  await sam.getByLabel("To", { exact: true }).selectOption({ label: "Pharmacy" });
  await sam.getByLabel("Category", { exact: true }).selectOption({ label: "Medication" });
  await sam.getByLabel("Subject", { exact: true }).fill(subject);
  await sam.getByLabel("Message", { exact: true }).fill("Sent while Alex is away.");
  await sam.getByRole("button", { name: "Send", exact: true }).click();
  await expect(sam).toHaveURL(/\/messages\/\d+$/);
  await expect(alex.getByRole("link", { name: subject, exact: true })).toBeVisible({ timeout: 5_000 });

  await expect(alex).toHaveURL(`${short}/sign-in?ended=idle`, { timeout: 30_000 });
});
