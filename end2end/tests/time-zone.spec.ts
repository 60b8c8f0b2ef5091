import { expect, Page, test } from "@playwright/test";
import { expectNoAxeViolations, hydrated, signIn } from "./helpers";

// Settings → "Time zone": every date and time is shown in the person's own zone; and a
// Veteran's sent message says when the care team's answer is expected. Jordan Lee
// (veteran2) is used and set back to Eastern time at the end, so other specs see the demo's
// zone.

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

async function chooseZone(page: Page, label: string) {
  await page.goto("/settings");
  const zone = page.getByRole("combobox", { name: "Time zone" });
  await zone.selectOption({ label });
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Time zone saved." })).toBeVisible();
  return zone;
}

test("a Veteran reads every time in the zone they chose, and sees when a reply is expected", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran2@example.com");
  await expect(page).toHaveURL("/inbox");

  await page.goto("/settings");
  const zone = page.getByRole("combobox", { name: "Time zone" });
  // Until chosen: the facility's zone (the demo facility is in Eastern time).
  await expect(zone).toHaveValue("America/New_York");
  await expectNoAxeViolations(page);

  await expect(await chooseZone(page, "Hawaii time")).toHaveValue("Pacific/Honolulu");

  const title = `Time zone check ${unique()}`;
  await page.goto("/messages/new");
  await hydrated(page);
  await page.getByLabel("To", { exact: true }).selectOption({ label: "Pharmacy" });
  await page.getByLabel("Category", { exact: true }).selectOption({ label: "Medication" });
  await page.getByLabel("Subject", { exact: true }).fill(title);
  await page.getByLabel("Message", { exact: true }).fill("Is the new prescription ready?");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  const thread = page.url();

  // The message's time is Hawaii's, with the zone named so it cannot be misread.
  await expect(page.locator(".sm-message__date").last()).toContainText("HST");
  // The team's own target, and the day the answer is due.
  await expect(page.getByText(/^Your care team usually replies within 3 business days\. Expected by [A-Z][a-z]{2} \d{1,2}, \d{4}\.$/)).toBeVisible();
  await expectNoAxeViolations(page);

  // Back to Eastern: the same message now reads in Eastern time.
  await chooseZone(page, "Eastern time");
  await page.goto(thread);
  await expect(page.locator(".sm-message__date").last()).toContainText(/E[SD]T/);
});

test("a time zone that is not offered is refused next to the field", async ({ page }) => {
  await page.goto("/sign-in");
  await signIn(page, "veteran2@example.com");
  await expect(page).toHaveURL("/inbox");
  await page.goto("/settings");
  // A form posted by hand (or by an old page) with a made-up zone.
  await page.locator("#time_zone").evaluate((select: HTMLSelectElement) => {
    const option = document.createElement("option");
    option.value = "Mars/Olympus_Mons";
    option.textContent = "Mars";
    select.appendChild(option);
    select.value = "Mars/Olympus_Mons";
  });
  await page.getByRole("button", { name: "Save time zone" }).click();
  await expect(page.locator("#time_zone-error")).toContainText("Choose a time zone from the list.");
  await expect(page.getByRole("combobox", { name: "Time zone" })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("combobox", { name: "Time zone" })).toHaveValue("America/New_York");
});
