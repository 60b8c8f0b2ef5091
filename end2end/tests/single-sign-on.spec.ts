import { expect, Page, test } from "@playwright/test";
import { expectNoAxeViolations, hydrated } from "./helpers";

// Single sign-on through a real OpenID Connect provider (end2end/oidc/provider.mjs, the npm
// oidc-provider, started by the Playwright config beside the server). Its development
// sign-in page takes any password; the login name says who signs in: "alex" is Alex Rivera
// of the demo with a verified email address, "jordan" is Jordan Lee with an unverified one.
// The two-instance stage (scripts/two_instances.py) runs no provider, so only the first
// stage runs this file.
test.skip(process.env.E2E_EXTERNAL_SERVER === "1", "the two-instance stage runs no OpenID provider");

const BUTTON = "Sign in with Test ID";

/** At the provider: its sign-in page, then its consent page. */
async function atTheProvider(page: Page, login: string) {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

test("Alex signs in with the provider's button, and signing out signs out there too", async ({ page }) => {
  await page.goto("/sign-in");
  const button = page.getByRole("link", { name: BUTTON });
  await expect(button).toBeVisible();
  await hydrated(page);
  await expectNoAxeViolations(page);
  await button.click();
  await expect(page).toHaveURL(/\/interaction\//);
  await atTheProvider(page, "alex");
  await expect(page).toHaveURL("/inbox");
  await expect(page.getByRole("banner")).toContainText("Alex Rivera");
  await hydrated(page);

  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  // The provider asks to end its own session too, then sends the browser back.
  await page.getByRole("button", { name: /Yes, sign me out/i }).click();
  await expect(page).toHaveURL("/sign-in");
  await page.goto("/inbox");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});

test("an email address the provider has not verified signs nobody in, and the page says why", async ({ page }) => {
  await page.goto("/sign-in?next=%2Fsent");
  await page.getByRole("link", { name: BUTTON }).click();
  await atTheProvider(page, "jordan");
  await expect(page).toHaveURL("/sign-in?sso=email_not_verified");
  await expect(page.getByRole("alert").filter({ hasText: "hasn't confirmed your email address" })).toBeVisible();
  await hydrated(page);
  await expectNoAxeViolations(page);
  await page.goto("/inbox");
  await expect(page).toHaveURL(/\/sign-in\?next=/);
});
