import { expect, Page, test } from "@playwright/test";
import { collectConsoleErrors, hydrated, signIn } from "./helpers";

// Live updates: what one person sends appears on another person's open page,
// without reloading. Sam Rivera (caregiver) writes for Alex Rivera while Alex looks on.

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

async function signedIn(browser: import("@playwright/test").Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto("/sign-in");
  await signIn(page, email);
  await expect(page).toHaveURL("/inbox");
  return page;
}

test("a message sent for Alex appears in Alex's open Sent list without reloading", async ({ browser }) => {
  const alex = await signedIn(browser, "veteran@example.com");
  const errors = collectConsoleErrors(alex);
  await alex.goto("/sent");
  await hydrated(alex);
  // Marks this page: a reload would remove it.
  await alex.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

  const sam = await signedIn(browser, "caregiver@example.com");
  const subject = `Live ${unique()}`;
  await sam.goto("/messages/new");
  await hydrated(sam);
  await sam.getByLabel("To", { exact: true }).selectOption({ label: "Pharmacy" });
  await sam.getByLabel("Category", { exact: true }).selectOption({ label: "Medication" });
  await sam.getByLabel("Subject", { exact: true }).fill(subject);
  await sam.getByLabel("Message", { exact: true }).fill("Sent while Alex watches.");
  await sam.getByRole("button", { name: "Send", exact: true }).click();
  await expect(sam).toHaveURL(/\/messages\/\d+$/);

  await expect(alex.getByRole("link", { name: subject, exact: true })).toBeVisible({ timeout: 5_000 });
  expect(await alex.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(errors).toEqual([]);
});

test("a reply appears in Alex's open conversation and what Alex is typing stays", async ({ browser }) => {
  const sam = await signedIn(browser, "caregiver@example.com");
  // Found by search: earlier spec files send enough to push it off Sent's first page.
  await sam.goto("/search?q=inhaler");
  await sam.getByRole("link", { name: "Question about my new inhaler" }).first().click();
  // A navigation inside the app: the conversation's code may still be downloading.
  await expect(sam).toHaveURL(/\/messages\/\d+$/);
  await hydrated(sam);
  const address = sam.url();

  const alex = await signedIn(browser, "veteran@example.com");
  await alex.goto(address);
  await hydrated(alex);
  const alexBox = alex.getByLabel("Message", { exact: true });
  await alexBox.fill("Half-written thought");

  const words = `Sam adds ${unique()}`;
  await sam.getByLabel("Message", { exact: true }).fill(words);
  await sam.getByRole("button", { name: "Send", exact: true }).click();
  await expect(sam.getByText(words)).toBeVisible();

  await expect(alex.getByText(words)).toBeVisible({ timeout: 5_000 });
  await expect(alexBox).toHaveValue("Half-written thought");
});
