import { test, expect, Page, Browser } from "@playwright/test";
import * as fs from "node:fs";
import * as OTPAuth from "otpauth";
import { expectNoAxeViolations, hydrated, invite, setPassword, signIn } from "./helpers";

// Two-step verification, as people use it. The demo accounts keep it off (the other spec
// files sign in with the password alone), so this file invites a Veteran of its own: they
// set it up in Settings reading the key as text, sign in with a code and with a recovery
// code, and the administrator resets it at the end. Codes come from `otpauth`, as an authenticator app makes them.

const STAMP = Date.now().toString(36);
const EMAIL = `two.step.${STAMP}@example.com`;
const NAME = `Taylor Twostep ${STAMP}`;
const PASSWORD = "a lantern by the north window";

const heading = (page: Page) => page.getByRole("heading", { level: 1 });

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

async function signInAs(page: Page, email: string, password?: string) {
  await page.goto("/sign-in");
  await signIn(page, email, password);
}

async function signOut(page: Page) {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/sign-in");
}

/** The authenticator app, set up from the key the page shows as text. */
function authenticator(keyText: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: "Secure Messaging",
    label: EMAIL,
    algorithm: "SHA1",
    digits: 6,
    period: 30,
    secret: OTPAuth.Secret.fromBase32(keyText.replace(/\s+/g, "")),
  });
}

/** A code that is certainly wrong for this app now. */
function wrongCode(app: OTPAuth.TOTP): string {
  const right = Number(app.generate());
  return String((right + 500_000) % 1_000_000).padStart(6, "0");
}

test("a Veteran sets up two-step verification, signs in with a code, and the administrator resets it", async ({
  browser,
}) => {
  // The administrator invites the Veteran, who sets a password.
  const admin = await newPage(browser);
  await signInAs(admin, "admin@example.com");
  await expect(admin).toHaveURL("/admin");
  const link = await invite(admin, EMAIL, NAME, "Veteran");
  await expect(admin.getByText("Two-step verification (MFA): off")).toBeVisible();
  await expect(admin.getByRole("button", { name: "Reset MFA" })).toHaveCount(0);

  const veteran = await newPage(browser);
  await setPassword(veteran, link, PASSWORD);
  await signInAs(veteran, EMAIL, PASSWORD);
  await expect(veteran).toHaveURL("/inbox");

  // The set-up page on its own, before anything is set up, is accessible too.
  await veteran.goto("/two-step-verification");
  await expect(heading(veteran)).toHaveText("Set up two-step verification");
  await hydrated(veteran);
  await expectNoAxeViolations(veteran);

  // Settings: "Set up" shows the QR code and the key as text; a code turns it on.
  await veteran.goto("/settings");
  const section = veteran.getByRole("region", { name: "Two-step verification" });
  await section.getByRole("button", { name: "Set up" }).click();
  await expect(section.getByRole("img", { name: /QR code/ })).toBeVisible();
  const keyText = (await section.getByTestId("two-step-key").textContent())!;
  expect(keyText).toMatch(/^([A-Z2-7]{4} ){7}[A-Z2-7]{4}$/);
  await hydrated(veteran);
  await expectNoAxeViolations(veteran);
  const app = authenticator(keyText);
  await section.getByLabel("Authentication code").fill(wrongCode(app));
  await section.getByRole("button", { name: "Turn on" }).click();
  await expect(veteran.getByText("That code didn't work. Check your authenticator app and try again.").first()).toBeVisible();
  await expect(section.getByLabel("Authentication code")).toHaveAttribute("aria-invalid", "true");
  await section.getByLabel("Authentication code").fill(app.generate());
  await section.getByRole("button", { name: "Turn on" }).click();
  await expect(section.getByText("Two-step verification is on.").first()).toBeVisible();
  await expect(section.getByTestId("two-step-key")).toHaveCount(0);

  // Ten recovery codes, shown this once, to download or print.
  const shown = section.getByRole("region", { name: "Save your recovery codes" });
  const codes = (await shown.getByRole("listitem").allTextContents()).map((code) => code.trim());
  expect(codes).toHaveLength(10);
  for (const code of codes) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
  const [download] = await Promise.all([
    veteran.waitForEvent("download"),
    shown.getByRole("link", { name: "Download codes" }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("secure-messaging-recovery-codes.txt");
  const file = fs.readFileSync(await download.path(), "utf8");
  for (const code of codes) expect(file).toContain(code);
  await hydrated(veteran);
  await expect(shown.getByRole("button", { name: "Print codes" })).toBeVisible();
  await expectNoAxeViolations(veteran);
  await veteran.reload();
  await expect(section.getByText("You have 10 recovery codes left.")).toBeVisible();
  await expect(veteran.getByTestId("recovery-codes")).toHaveCount(0);
  await signOut(veteran);

  // Signing in: the password, then "Authentication code".
  await signInAs(veteran, EMAIL, PASSWORD);
  await expect(veteran).toHaveURL("/sign-in/code");
  await expect(heading(veteran)).toHaveText("Enter your authentication code");
  const code = veteran.getByLabel("Authentication code");
  await expect(code).toHaveAttribute("autocomplete", "one-time-code");
  await expect(code).toHaveAttribute("inputmode", "numeric");
  await hydrated(veteran);
  await expectNoAxeViolations(veteran);
  // Nothing opens yet.
  await veteran.goto("/inbox");
  await expect(veteran).toHaveURL(/\/sign-in\?next=/);
  await veteran.goto("/sign-in/code");
  // An empty code and a wrong code each get their own message.
  await veteran.getByRole("button", { name: "Verify" }).click();
  await expect(veteran.getByText("Enter the 6-digit code from your authenticator app.").first()).toBeVisible();
  await veteran.getByLabel("Authentication code").fill(wrongCode(app));
  await veteran.getByRole("button", { name: "Verify" }).click();
  await expect(veteran.getByText("That code didn't work. Check your authenticator app and try again.").first()).toBeVisible();
  await expect(veteran.getByLabel("Authentication code")).toHaveAttribute("aria-invalid", "true");
  await hydrated(veteran);
  await expectNoAxeViolations(veteran);
  // The right code: the next step's (the set-up used this one up, and codes are single use).
  await veteran.getByLabel("Authentication code").fill(app.generate({ timestamp: Date.now() + 30_000 }));
  await veteran.getByRole("button", { name: "Verify" }).click();
  await expect(veteran).toHaveURL("/inbox");
  await expect(veteran.getByRole("banner")).toContainText(NAME);
  await signOut(veteran);

  // No phone at hand: a recovery code instead, once; it says how many are left.
  await signInAs(veteran, EMAIL, PASSWORD);
  await expect(veteran).toHaveURL("/sign-in/code");
  const recovery = veteran.getByLabel("Recovery code");
  await recovery.fill("abcde-12345");
  await veteran.getByRole("button", { name: "Sign in with a recovery code" }).click();
  await expect(veteran.getByText("That recovery code didn't work.").first()).toBeVisible();
  await expect(veteran.getByLabel("Recovery code")).toHaveAttribute("aria-invalid", "true");
  await hydrated(veteran);
  await expectNoAxeViolations(veteran);
  await veteran.getByLabel("Recovery code").fill(codes[0].toUpperCase());
  await veteran.getByRole("button", { name: "Sign in with a recovery code" }).click();
  await expect(veteran).toHaveURL(/\/settings\?recovery=used/);
  await expect(veteran.getByRole("status").filter({ hasText: "You signed in with a recovery code" })).toContainText(
    "You have 9 codes left.",
  );
  // New codes, with the password: shown once, and the old ones stop working.
  const twoStep = veteran.getByRole("region", { name: "Two-step verification" });
  await twoStep.getByLabel("Your password").fill(PASSWORD);
  await twoStep.getByRole("button", { name: "Make new codes" }).click();
  await expect(twoStep.getByText("You have new recovery codes. Your old codes no longer work.")).toBeVisible();
  await expect(twoStep.getByTestId("recovery-codes").getByRole("listitem")).toHaveCount(10);
  await hydrated(veteran);
  await expectNoAxeViolations(veteran);
  await signOut(veteran);
  await signInAs(veteran, EMAIL, PASSWORD);
  await veteran.getByLabel("Recovery code").fill(codes[1]);
  await veteran.getByRole("button", { name: "Sign in with a recovery code" }).click();
  await expect(veteran.getByText("That recovery code didn't work.").first()).toBeVisible();

  // The administrator resets it: "Reset MFA" shows only while it is on.
  await admin.goto(`/admin/users?q=${encodeURIComponent(EMAIL)}`);
  await admin.getByRole("link", { name: NAME }).click();
  await expect(admin.getByText("Two-step verification (MFA): on")).toBeVisible();
  await hydrated(admin);
  await expectNoAxeViolations(admin);
  await admin.getByRole("button", { name: "Reset MFA" }).click();
  await expect(admin.getByText("Two-step verification was reset").first()).toBeVisible();
  await expect(admin.getByText("Two-step verification (MFA): off")).toBeVisible();
  await expect(admin.getByRole("button", { name: "Reset MFA" })).toHaveCount(0);
  // The person hears of it by email (the demo keeps its emails at /demo/mail).
  await admin.goto("/demo/mail");
  const told = admin
    .getByRole("article")
    .filter({ has: admin.getByRole("heading", { name: "Two-step verification was turned off" }) })
    .filter({ hasText: `To: ${EMAIL}` });
  await expect(told).toHaveCount(1);

  // The next sign-in is the password alone.
  await signInAs(veteran, EMAIL, PASSWORD);
  await expect(veteran).toHaveURL("/inbox");
  await veteran.goto("/settings");
  await expect(
    veteran.getByRole("region", { name: "Two-step verification" }).getByRole("button", { name: "Set up" }),
  ).toBeVisible();
});
