import { Browser, expect, Page, test } from "@playwright/test";
import { expectNoAxeViolations, hydrated, signIn } from "./helpers";

// Care teams write first. Demo data (app/src/server/demo.rs): Dr. Morgan Patel works on
// "Primary Care – Blue Team", which Alex Rivera (born Mar 4, 1961) writes to; Jordan Lee
// writes to Pharmacy only, so Dr. Patel never finds him.

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

async function signInAs(page: Page, email: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
}

/** A second person at their own screen: a fresh browser context, signed in. */
async function person(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, email);
  return page;
}

async function search(page: Page, name: string) {
  await page.getByLabel("Veteran's name").fill(name);
  await page.getByRole("button", { name: "Search", exact: true }).click();
}

test.describe.configure({ mode: "serial" });

test("a clinician starts a message to Alex Rivera, who finds it in the Inbox and replies", async ({
  browser,
  page,
}) => {
  const subject = `Flu shot clinic ${unique()}`;
  const body = "Our flu shot clinic is open on Saturdays. Would you like a time?";
  await signInAs(page, "clinician@example.com");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Team inbox");
  // The inbox names each Veteran with their date of birth.
  await expect(page.getByRole("rowheader", { name: "Alex Rivera (born Mar 4, 1961)" }).first()).toBeVisible();

  await page.getByRole("link", { name: "Start a message" }).click();
  await expect(page).toHaveURL("/team/new");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Start a message");

  // Only Veterans of Dr. Patel's teams are found.
  await search(page, "jordan");
  await expect(page.getByRole("status").filter({ hasText: "No Veteran of your care teams has a name like “jordan”." })).toBeVisible();
  await expect(page.getByText("Jordan Lee")).toHaveCount(0);

  // Each Veteran found shows date of birth and facility.
  await search(page, "rivera");
  const found = page.getByRole("list", { name: "Veterans found" });
  const alex = found.getByRole("link", { name: "Alex Rivera (born Mar 4, 1961)" });
  await expect(alex).toBeVisible();
  const alexItem = found
    .getByRole("listitem")
    .filter({ has: page.getByRole("link", { name: "Alex Rivera (born Mar 4, 1961)" }) });
  await expect(alexItem).toContainText("Demo VA Medical Center");
  await expectNoAxeViolations(page);
  await alex.click();

  await expect(page.getByRole("region", { name: "To" })).toContainText("Alex Rivera (born Mar 4, 1961), Demo VA Medical Center");
  // One team shared: it is named, not asked for.
  await expect(page.getByText("Care team: Primary Care – Blue Team")).toBeVisible();
  await hydrated(page);

  // A message without a subject is refused at the field, keeping what was typed.
  await page.getByLabel("Category").selectOption({ label: "Education" });
  await page.getByRole("textbox", { name: "Message" }).fill(body);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.locator("#subject-error")).toBeVisible();
  await expect(page.getByRole("textbox", { name: "Subject" })).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveValue(body);
  await expect(page.getByLabel("Category")).toHaveValue("education");
  await expectNoAxeViolations(page);

  await page.getByRole("textbox", { name: "Subject" }).fill(subject);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your message was sent." })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(page.getByText("Alex Rivera (born Mar 4, 1961)").first()).toBeVisible();

  // Dr. Patel moves on, so nobody on the team has the conversation open when Alex answers.
  await page.goto("/team/new");

  // Alex finds it in the Inbox, unread, from the care team, and replies.
  const veteran = await person(browser, "veteran@example.com");
  await expect(veteran.getByRole("heading", { level: 1 })).toHaveText("Inbox");
  const row = veteran
    .getByRole("listitem")
    .filter({ has: veteran.getByRole("link", { name: subject, exact: true }) });
  await expect(row.getByText("Unread", { exact: true })).toBeVisible();
  await expect(row).toContainText("Primary Care – Blue Team");
  await row.getByRole("link", { name: subject, exact: true }).click();
  await expect(veteran.getByRole("heading", { level: 1 })).toHaveText(subject);
  await expect(veteran.getByText("Sent by Dr. Morgan Patel").first()).toBeVisible();
  await expect(veteran.locator(".sm-message").first()).toContainText(body);
  await hydrated(veteran);
  await veteran.getByRole("textbox", { name: "Message" }).fill("Yes please, Saturday morning works.");
  await veteran.getByRole("button", { name: "Send", exact: true }).click();
  await expect(veteran.locator(".sm-message").last()).toContainText("Saturday morning works.");
  await expect(veteran.locator(".sm-message").last()).toContainText("Not yet opened by your care team");
  await veteran.context().close();

  // The reply is back with the team, unread and waiting, the Veteran named with the date of
  // birth.
  await page.goto(`/team?q=${encodeURIComponent(subject)}`);
  const teamRow = page.getByRole("row").filter({ has: page.getByRole("link", { name: subject }) });
  await expect(teamRow.getByText("Unread", { exact: true })).toBeVisible();
  await expect(teamRow).toContainText("Due in 3 business days");
  await expect(teamRow.getByRole("rowheader")).toHaveText("Alex Rivera (born Mar 4, 1961)");
});

test("a Veteran's address cannot open another team's Veteran", async ({ page }) => {
  // Jordan Lee is a Veteran of Pharmacy only: choosing him by address answers "not found".
  await signInAs(page, "clinician@example.com");
  await page.goto("/team/new?q=rivera");
  const href = await page.getByRole("link", { name: "Alex Rivera (born Mar 4, 1961)" }).getAttribute("href");
  const alexId = Number(href?.match(/veteran=(\d+)/)?.[1]);
  expect(alexId).toBeGreaterThan(0);
  for (const id of [alexId + 1, 999999]) {
    await page.goto(`/team/new?veteran=${id}`);
    await expect(page.getByText("Jordan Lee")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Send", exact: true })).toHaveCount(0);
  }
});

test("the administrator sets a Veteran's date of birth, a wrong one refused at the field", async ({ page }) => {
  const name = `Taylor Brooks ${unique()}`;
  const email = `taylor.${unique()}@example.com`;
  await signInAs(page, "admin@example.com");
  await page.goto("/admin/users");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Role").selectOption({ label: "Veteran" });
  await page.getByRole("button", { name: "Invite" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);

  const field = page.getByRole("textbox", { name: "Date of birth" });
  await field.fill("1958-02-30");
  await page.getByRole("button", { name: "Save date of birth" }).click();
  await expect(page.locator("#date_of_birth-error")).toContainText("1958-02-30 is not a real date.");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(field).toHaveValue("1958-02-30");
  await expectNoAxeViolations(page);

  await field.fill("2999-01-01");
  await page.getByRole("button", { name: "Save date of birth" }).click();
  await expect(page.locator("#date_of_birth-error")).toContainText("can't be in the future");

  await field.fill("1958-11-23");
  await page.getByRole("button", { name: "Save date of birth" }).click();
  await expect(page.getByRole("status").filter({ hasText: "The date of birth was saved." })).toBeVisible();
  await expect(field).toHaveValue("1958-11-23");
  await expect(field).not.toHaveAttribute("aria-invalid", "true");
});
