import { test, expect, Browser, BrowserContext, Page } from "@playwright/test";
import { emailedLink, expectNoAxeViolations, hydrated, invite, setPassword, signIn } from "./helpers";

// Passkeys, as people use them, with Chromium's virtual authenticator (a platform
// authenticator that keeps its passkeys on the device and verifies the person at once).
// WebAuthn names a site by its domain, never an IP address: the demo server's passkeys
// belong to `localhost`, so these pages are opened at http://localhost:<port>. The
// two-instance stage is reached at an IP address behind nginx, so only the first stage runs
// this file.
test.skip(process.env.E2E_EXTERNAL_SERVER === "1", "the two-instance stage is reached at an IP address");

const SITE = `http://localhost:${process.env.E2E_PORT ?? 3100}`;
const STAMP = Date.now().toString(36);

/**
 * A browser at the site's `localhost` address with its own device that keeps passkeys.
 * `touches(false)` makes the device wait for a touch that never comes, as a person who
 * ignores the browser's passkey suggestion: the device would otherwise answer the
 * suggestions the email field asks for while the person signs in with their password.
 */
async function withPasskeyDevice(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; touches: (yes: boolean) => Promise<void> }> {
  const context = await browser.newContext({ baseURL: SITE });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const touches = async (yes: boolean) => {
    await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled: yes });
  };
  return { context, page, touches };
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
}

async function addPasskey(page: Page, name: string) {
  await page.goto("/settings");
  await hydrated(page);
  const section = page.getByRole("region", { name: "Passkeys" });
  await section.getByLabel("Passkey name").fill(name);
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await expect(page).toHaveURL(/\/settings\?passkey=added#passkeys$/);
  await expect(page.getByText("Your passkey was added.")).toBeVisible();
  return page.getByRole("region", { name: "Passkeys" });
}

test("a Veteran adds a passkey in Settings, signs in with it alone, and removes it", async ({ browser }) => {
  const { context, page } = await withPasskeyDevice(browser);
  await page.goto("/sign-in");
  await signIn(page, "veteran2@example.com");
  await expect(page).toHaveURL("/inbox");

  // A name is needed first: said at the field, nothing asked of the device.
  await page.goto("/settings");
  await hydrated(page);
  const section = page.getByRole("region", { name: "Passkeys" });
  await expect(section.getByText("You haven't added a passkey.")).toBeVisible();
  await expectNoAxeViolations(page);
  await section.getByRole("button", { name: "Add a passkey" }).click();
  await expect(section.getByRole("alert")).toHaveText("Enter a name for this passkey, like \u201cMy phone\u201d.");

  const added = await addPasskey(page, `Laptop ${STAMP}`);
  const row = added.getByRole("row", { name: new RegExp(`Laptop ${STAMP}`) });
  await expect(row).toContainText("Never");
  await hydrated(page);
  await expectNoAxeViolations(page);
  await signOut(page);

  // Signed out: "Sign in with a passkey", no email address or password.
  await hydrated(page);
  await expectNoAxeViolations(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page).toHaveURL("/inbox");
  await expect(page.getByRole("banner")).toContainText("Jordan Lee");

  await page.goto("/settings");
  const used = page.getByRole("region", { name: "Passkeys" }).getByRole("row", { name: new RegExp(`Laptop ${STAMP}`) });
  await expect(used).not.toContainText("Never");
  await used.getByRole("button", { name: `Remove Laptop ${STAMP}` }).click();
  await expect(page.getByText("The passkey was removed.")).toBeVisible();
  await signOut(page);

  // The device still holds it, but the site no longer knows it.
  await hydrated(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await expect(page.getByText("That passkey didn't work.")).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in$/);
  await context.close();
});

test("a clinician takes the second step of signing in with a passkey instead of a code", async ({ browser }) => {
  const email = `pat.passkey.${STAMP}@example.com`;
  const name = `Pat Passkey ${STAMP}`;
  const password = "a kettle on the blue stove";

  // The administrator invites a clinician, who sets a password.
  const admin = await (await browser.newContext({ baseURL: SITE })).newPage();
  await admin.goto("/sign-in");
  await signIn(admin, "admin@example.com");
  await expect(admin).toHaveURL("/admin");
  const link = await invite(admin, email, name, "Care team");

  const { context, page, touches } = await withPasskeyDevice(browser);
  await setPassword(page, link, password);
  await signIn(page, email, password);
  await expect(page).toHaveURL("/team");
  await addPasskey(page, "Work laptop");
  await signOut(page);
  // They hear of the new passkey by email, with the way to their passkeys in Settings.
  expect(await emailedLink(admin, email, "A passkey was added to your account")).toBe("/settings");

  // The password is now the first step only; the passkey is the second.
  await touches(false);
  await signIn(page, email, password);
  await expect(page).toHaveURL("/sign-in/code");
  await expect(page.getByLabel("Authentication code")).toHaveCount(0);
  await hydrated(page);
  await expectNoAxeViolations(page);
  await touches(true);
  await page.getByRole("button", { name: "Use a passkey" }).click();
  await expect(page).toHaveURL("/team");
  await expect(page.getByRole("banner")).toContainText(name);
  await context.close();

  // A lost laptop: the administrator's reset removes the passkey.
  await admin.goto(`/admin/users?q=${encodeURIComponent(email)}`);
  await admin.getByRole("link", { name }).click();
  await expect(admin.getByText("Two-step verification (MFA): on")).toBeVisible();
  await admin.getByRole("button", { name: "Reset MFA" }).click();
  await expect(admin.getByText("Two-step verification (MFA): off")).toBeVisible();
  const again = await (await browser.newContext({ baseURL: SITE })).newPage();
  await again.goto("/sign-in");
  await signIn(again, email, password);
  await expect(again).toHaveURL("/team");
});
