import { test, expect, Page, Browser } from "@playwright/test";
import { expectNoAxeViolations, hydrated, invite, scrollsSideways, setPassword, signIn } from "./helpers";

// The administration console. This file runs first, on the same demo
// database as the other specs, so it only adds data of its own (a care team, invited
// people) and puts back what it borrows: Casey Nguyen leaves the new team at the end, and
// Jordan Lee (veteran2) only gains a team, never sends to it.

const STAMP = Date.now().toString(36);
const TEAM = `Podiatry ${STAMP}`;
const NEW_PASSWORD = "a quiet harbor at dawn";

async function signInAs(page: Page, email: string, home: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
  await expect(page).toHaveURL(home);
}

async function asAdmin(browser: Browser): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, "admin@example.com", "/admin");
  return page;
}

const heading = (page: Page) => page.getByRole("heading", { level: 1 });

/** Adds a care team at the demo facility and opens its page. */
async function addTeam(page: Page, name: string) {
  await page.goto("/admin/teams");
  await page.getByLabel("Facility", { exact: true }).last().selectOption({ label: "Demo VA Medical Center (999)" });
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Response target in business days").fill("4");
  await page.getByRole("button", { name: "Add care team" }).click();
  await expect(heading(page)).toHaveText(name);
  await expect(page.getByText("The care team was added.")).toBeVisible();
}

/**
 * Invites a person and returns the one-time set-password address from their email: the
 * administrator's page says where it went and never shows it.
 */
test("the administrator adds a team with the nurse, and veteran2 can then write to it", async ({ browser }) => {
  const admin = await asAdmin(browser);
  await admin.getByRole("link", { name: "Care teams" }).first().click();
  await expect(heading(admin)).toHaveText("Care teams");

  // A wrong response target comes back with its message and what was typed.
  await admin.getByLabel("Name", { exact: true }).fill(TEAM);
  await admin.getByLabel("Facility", { exact: true }).last().selectOption({ label: "Demo VA Medical Center (999)" });
  await admin.getByLabel("Response target in business days").fill("45");
  await admin.getByRole("button", { name: "Add care team" }).click();
  await expect(admin.getByRole("alert")).toContainText("Enter a whole number of business days from 1 to 30.");
  await expect(admin.getByLabel("Response target in business days")).toHaveAttribute("aria-invalid", "true");
  await expect(admin.getByLabel("Name", { exact: true })).toHaveValue(TEAM);

  await addTeam(admin, TEAM);
  const teamPage = admin.url();
  await admin.getByLabel("Clinician's email address").fill("nurse@example.com");
  await admin.getByRole("button", { name: "Add member" }).click();
  await expect(admin.getByText("The member was added to the team.")).toBeVisible();
  await expect(admin.getByRole("row", { name: /Casey Nguyen/ })).toContainText("Member");

  await admin.getByLabel("Veteran's email address").fill("veteran2@example.com");
  await admin.getByRole("button", { name: "Add Veteran" }).click();
  await expect(admin.getByText("The Veteran can now write to this team.")).toBeVisible();
  await expect(admin.getByRole("row", { name: /Jordan Lee/ })).toContainText("Can write");

  const jordan = await (await browser.newContext()).newPage();
  await signInAs(jordan, "veteran2@example.com", "/inbox");
  await jordan.goto("/messages/new");
  await expect(jordan.getByLabel("To", { exact: true }).locator("option", { hasText: TEAM })).toHaveCount(1);

  // Casey goes back to Primary Care only, as the other specs expect.
  await admin.goto(teamPage);
  await admin.getByRole("button", { name: "Remove Casey Nguyen from the team" }).click();
  await expect(admin.getByText("The member was removed from the team.")).toBeVisible();
  await expect(admin.getByRole("row", { name: /Casey Nguyen/ })).toHaveCount(0);
});

/** Chooses a file named associations.csv with `text` at "CSV file" on the import form, once
 * the page is hydrated: a file chosen or a click made while hydration runs can be lost. */
async function chooseCsv(page: Page, text: string) {
  await hydrated(page);
  await page.getByLabel("CSV file", { exact: true }).setInputFiles({
    name: "associations.csv",
    mimeType: "text/csv",
    buffer: Buffer.from(text, "utf8"),
  });
}

test("a CSV import with one bad line shows the preview and imports nothing until fixed", async ({ browser }) => {
  const admin = await asAdmin(browser);
  const team = `Import ${STAMP}`;
  await addTeam(admin, team);
  const teamPage = admin.url();
  const email = `e2e-veteran-${STAMP}@example.com`;
  await invite(admin, email, "Robin Import", "Veteran");

  const good = `${email},${team},999`;
  await admin.goto("/admin/teams");
  await chooseCsv(admin, `veteran_email,team_name,facility_station\n${good}\nnobody-${STAMP}@example.com,${team},999\n`);
  await admin.getByRole("button", { name: "Preview import" }).click();
  const preview = admin.getByRole("region", { name: "Import preview" });
  await expect(preview).toContainText("1 to add, 0 with no change, 1 rejected.");
  await expect(preview.getByRole("row", { name: /nobody-/ })).toContainText("Rejected: Unknown email");
  await expect(preview.getByRole("row", { name: new RegExp(`e2e-veteran-${STAMP}`) })).toContainText("Will be added");
  await admin.getByRole("button", { name: "Import", exact: true }).click();
  await expect(admin.getByRole("alert")).toContainText("nothing was imported");
  await admin.goto(teamPage);
  await expect(admin.getByText("Robin Import")).toHaveCount(0);

  await admin.goto("/admin/teams");
  await chooseCsv(admin, `veteran_email,team_name,facility_station\n${good}\n`);
  await admin.getByRole("button", { name: "Preview import" }).click();
  await expect(admin.getByRole("region", { name: "Import preview" })).toContainText("1 to add, 0 with no change, 0 rejected.");
  await admin.getByRole("button", { name: "Import", exact: true }).click();
  await expect(admin.getByText("Import complete: 1 new Veteran–team associations.")).toBeVisible();
  await admin.goto(teamPage);
  await expect(admin.getByRole("row", { name: /Robin Import/ })).toContainText("Can write");

  // The same file again changes nothing.
  await admin.goto("/admin/teams");
  await chooseCsv(admin, `veteran_email,team_name,facility_station\n${good}\n`);
  await admin.getByRole("button", { name: "Preview import" }).click();
  await expect(admin.getByRole("region", { name: "Import preview" })).toContainText("0 to add, 1 with no change, 0 rejected.");
});

test("deactivating a clinician ends their open session at once", async ({ browser }) => {
  const admin = await asAdmin(browser);
  const email = `e2e-clinician-${STAMP}@example.com`;
  const link = await invite(admin, email, "Drew Deactivate", "Care team");
  const userPage = admin.url().split("?")[0];

  const clinician = await (await browser.newContext()).newPage();
  await setPassword(clinician, link, NEW_PASSWORD);
  await signIn(clinician, email, NEW_PASSWORD);
  await expect(clinician).toHaveURL("/team");

  await admin.goto(userPage);
  await admin.getByRole("button", { name: "Deactivate" }).click();
  await expect(admin.getByText("The account was deactivated and signed out everywhere.")).toBeVisible();

  await clinician.reload();
  await expect(clinician).toHaveURL(/\/sign-in/);
  await signIn(clinician, email, NEW_PASSWORD);
  await expect(clinician.getByText("The email address or password is incorrect.")).toBeVisible();

  // The link is spent, too.
  await clinician.goto(link);
  await expect(heading(clinician)).toHaveText("This link doesn't work");
});

test("each administration page has no axe violations and fits 320 px", async ({ browser }) => {
  const admin = await asAdmin(browser);
  await admin.goto("/admin/users?q=casey");
  await admin.getByRole("link", { name: "Casey Nguyen" }).click();
  const casey = admin.url();
  await admin.goto("/admin/teams");
  await admin.getByRole("link", { name: "Pharmacy" }).click();
  const pharmacy = admin.url();
  await admin.goto("/admin/teams");
  await chooseCsv(admin, "veteran_email,team_name,facility_station\nveteran@example.com,Pharmacy,999\n");
  await admin.getByRole("button", { name: "Preview import" }).click();
  const previewPage = admin.url();
  for (const width of [1280, 320]) {
    await admin.setViewportSize({ width, height: 800 });
    for (const path of ["/admin", "/admin/facilities", "/admin/teams", pharmacy, previewPage, "/admin/users", casey]) {
      await admin.goto(path);
      await expect(heading(admin)).toHaveCount(1);
      await expectNoAxeViolations(admin);
      expect(await scrollsSideways(admin), `${path} at ${width} px`).toBe(false);
    }
  }
  // A refused form: the error summary and the field message are axe-clean too.
  await admin.goto("/admin/facilities");
  await admin.getByRole("button", { name: "Add facility" }).click();
  await expect(admin.getByRole("alert")).toContainText("Enter a station number.");
  await expectNoAxeViolations(admin);
  const anonymous = await (await browser.newContext()).newPage();
  await anonymous.goto("/set-password?token=nothing");
  await expect(heading(anonymous)).toHaveText("This link doesn't work");
  await expectNoAxeViolations(anonymous);
});
