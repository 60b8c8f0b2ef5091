import { expect, Page, test } from "@playwright/test";
import { emailedLink, expectNoAxeViolations, signIn } from "./helpers";

// "Give someone access": Jordan Lee (veteran2) invites Sam Rivera (a caregiver account) by
// email; Sam accepts by signing in with that address and then acts for Jordan; Jordan ends
// the access again at the end, so the other specs find Sam acting for Alex alone.

const INVITATION_SUBJECT = "You're invited to help with someone's VA secure messages";

async function signInAs(page: Page, email: string, home: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
  await expect(page).toHaveURL(home);
}

test("a Veteran gives a caregiver access by email; it starts when the caregiver accepts", async ({ browser }) => {
  const jordanContext = await browser.newContext();
  const jordan = await jordanContext.newPage();
  await signInAs(jordan, "veteran2@example.com", "/inbox");
  await jordan.goto("/settings");
  const email = jordan.getByLabel("Their email address");

  // Their own address is refused next to the field, and what was typed stays.
  await email.fill("veteran2@example.com");
  await jordan.getByRole("button", { name: "Send invitation" }).click();
  await expect(jordan.locator("#caregiver_email-error")).toContainText("not your own");
  await expect(jordan.getByLabel("Their email address")).toHaveValue("veteran2@example.com");
  await expect(jordan.getByLabel("Their email address")).toHaveAttribute("aria-invalid", "true");

  await jordan.getByLabel("Their email address").fill("caregiver@example.com");
  await jordan.getByRole("button", { name: "Send invitation" }).click();
  await expect(jordan.getByRole("status").filter({ hasText: "We emailed the invitation." })).toBeVisible();
  await expect(jordan.locator(".sm-grant").filter({ hasText: "caregiver@example.com, invited" })).toBeVisible();
  await expectNoAxeViolations(jordan);

  // Sam follows the emailed link: sign-in first, then the invitation names Jordan.
  const link = await emailedLink(jordan, "caregiver@example.com", INVITATION_SUBJECT);
  const samContext = await browser.newContext();
  const sam = await samContext.newPage();
  await sam.goto(link);
  await expect(sam).toHaveURL(/\/sign-in/);
  await signIn(sam, "caregiver@example.com");
  await expect(sam.getByRole("heading", { level: 1 })).toHaveText("Help with Jordan Lee's messages?");
  await expectNoAxeViolations(sam);
  await sam.getByRole("button", { name: "Accept" }).click();
  await expect(sam).toHaveURL(/\/inbox/);
  // Sam now acts for two Veterans and can choose Jordan.
  await expect(sam.getByLabel("Acting for").locator("option", { hasText: "Jordan Lee" })).toHaveCount(1);

  // The link works once.
  await sam.goto(link);
  await expect(sam.getByRole("heading", { level: 1 })).toHaveText("This invitation doesn't work");

  // Jordan sees Sam among those with access, and ends it.
  await jordan.goto("/settings");
  const grant = jordan.locator(".sm-grant").filter({ hasText: "Sam Rivera" });
  await expect(grant).toBeVisible();
  await grant.getByRole("link", { name: "Revoke access" }).click();
  await jordan.getByRole("button", { name: "Yes, revoke access" }).click();
  await expect(jordan.locator(".sm-grant").filter({ hasText: "Sam Rivera" })).toHaveCount(0);

  await jordanContext.close();
  await samContext.close();
});
