import { Browser, expect, Page, test } from "@playwright/test";
import { readFileSync } from "fs";
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

// A minimal valid PDF, and a Windows program renamed to look like one.
const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n" +
    "trailer<</Root 1 0 R>>\n%%EOF\n",
);
const EXE = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00"), Buffer.alloc(256, 0)]);
const file = (name: string, mimeType: string, buffer: Buffer) => ({ name, mimeType, buffer });
const attachInput = (page: Page) => page.getByLabel("Attach file");
const attached = (page: Page) => page.getByRole("list", { name: "Attached files" });

/** Someone at their own screen who may download files (the config's `use` is not taken). */
async function downloader(browser: Browser, email: string, javaScriptEnabled = true): Promise<Page> {
  const context = await browser.newContext({
    acceptDownloads: true,
    javaScriptEnabled,
    baseURL: test.info().project.use.baseURL,
  });
  const page = await context.newPage();
  await signInAs(page, email);
  return page;
}

/** Clicks the file's link in the message's "Attachments" and answers the bytes downloaded. */
async function download(page: Page, name: string): Promise<Buffer> {
  const files = page.getByRole("list", { name: "Attachments" });
  await expect(files.getByRole("link", { name })).toBeVisible();
  const [saved] = await Promise.all([
    page.waitForEvent("download"),
    files.getByRole("link", { name, exact: true }).click(),
  ]);
  expect(saved.suggestedFilename()).toBe(name);
  return readFileSync(await saved.path());
}

async function chooseAlex(page: Page) {
  await page.goto("/team/new?q=rivera");
  await page.getByRole("link", { name: "Alex Rivera (born Mar 4, 1961)" }).click();
  await expect(page.getByRole("region", { name: "To" })).toContainText("Alex Rivera");
}

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

test("a clinician starts a message with a file; Alex and the clinician's colleague download it", async ({
  browser,
  page,
}) => {
  const subject = `Care plan ${unique()}`;
  const body = "Your new care plan is attached. Call us with any questions.";
  await signInAs(page, "clinician@example.com");
  await chooseAlex(page);
  await hydrated(page);
  await page.getByLabel("Category").selectOption({ label: "Education" });
  await page.getByRole("textbox", { name: "Subject" }).fill(subject);
  await page.getByRole("textbox", { name: "Message" }).fill(body);
  await attachInput(page).setInputFiles([file("care plan.pdf", "application/pdf", PDF)]);
  await expect(page.getByRole("button", { name: "Remove care plan.pdf" })).toBeVisible();

  // A refused file says which and why; what was typed and the kept file stay.
  await attachInput(page).setInputFiles([file("labs.pdf", "application/pdf", EXE)]);
  await expect(page.locator("#attachments-error")).toHaveText("Error: labs.pdf: the content isn't a PDF file");
  await expect(page.getByRole("textbox", { name: "Message" })).toHaveValue(body);
  await expect(page.getByRole("textbox", { name: "Subject" })).toHaveValue(subject);
  await expect(attached(page).getByRole("listitem")).toHaveCount(1);
  await expectNoAxeViolations(page);

  // The file waits on the server: after a reload it is listed again.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("button", { name: "Remove care plan.pdf" })).toBeVisible();
  await page.getByLabel("Category").selectOption({ label: "Education" });
  await page.getByRole("textbox", { name: "Subject" }).fill(subject);
  await page.getByRole("textbox", { name: "Message" }).fill(body);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your message was sent." })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await expect(page.getByRole("list", { name: "Attachments" }).getByRole("link", { name: "care plan.pdf" })).toBeVisible();
  const teamThread = page.url();
  // Dr. Patel moves on; the next message to Alex starts with no files.
  await chooseAlex(page);
  await expect(attached(page).getByRole("listitem")).toHaveCount(0);

  // Alex opens it from the Inbox and downloads exactly the bytes attached.
  const veteran = await downloader(browser, "veteran@example.com");
  await veteran.getByRole("link", { name: subject, exact: true }).click();
  await expect(veteran.getByRole("heading", { level: 1 })).toHaveText(subject);
  expect(await download(veteran, "care plan.pdf")).toEqual(PDF);
  await veteran.context().close();

  // Dr. Patel's colleague downloads it on the team's thread page.
  const nurse = await downloader(browser, "nurse@example.com");
  await nurse.goto(teamThread);
  await expect(nurse.getByRole("heading", { level: 1 })).toContainText(subject);
  expect(await download(nurse, "care plan.pdf")).toEqual(PDF);
  await nurse.context().close();
});

test("without JavaScript, a started message posts its files; a refused file comes back with the text", async ({
  browser,
}) => {
  const subject = `Referral ${unique()}`;
  const body = "The referral letter is attached.";
  const clinician = await downloader(browser, "clinician@example.com", false);
  await chooseAlex(clinician);
  await clinician.getByLabel("Category").selectOption({ label: "Education" });
  await clinician.getByRole("textbox", { name: "Subject" }).fill(subject);
  await clinician.getByRole("textbox", { name: "Message" }).fill(body);
  await attachInput(clinician).setInputFiles([
    file("referral.pdf", "application/pdf", PDF),
    file("letter.pdf", "application/pdf", EXE),
  ]);
  await clinician.getByRole("button", { name: "Send", exact: true }).click();

  // The form again: the refusal at the field and in the summary, everything typed, the
  // good file kept, nothing sent.
  await expect(clinician).toHaveURL(/\/team\/new\?veteran=\d+&kept=/);
  await expect(clinician.locator("#attachments-error")).toHaveText("Error: letter.pdf: the content isn't a PDF file");
  await expect(clinician.getByRole("alert").filter({ hasText: "There is a problem" })).toContainText(
    "letter.pdf: the content isn't a PDF file",
  );
  await expect(clinician.getByRole("textbox", { name: "Message" })).toHaveValue(body);
  await expect(clinician.getByRole("textbox", { name: "Subject" })).toHaveValue(subject);
  await expect(clinician.getByLabel("Category")).toHaveValue("education");
  await expect(attached(clinician).getByRole("listitem")).toHaveCount(1);
  await expect(attached(clinician)).toContainText("referral.pdf");

  // "Send" again with nothing chosen: the kept file goes with the message.
  await clinician.getByRole("button", { name: "Send", exact: true }).click();
  await expect(clinician.getByRole("status").filter({ hasText: "Your message was sent." })).toBeVisible();
  await expect(
    clinician.getByRole("list", { name: "Attachments" }).getByRole("link", { name: "referral.pdf" }),
  ).toBeVisible();
  await clinician.context().close();

  const veteran = await downloader(browser, "veteran@example.com");
  await veteran.getByRole("link", { name: subject, exact: true }).click();
  expect(await download(veteran, "referral.pdf")).toEqual(PDF);
  await expect(veteran.getByRole("link", { name: "letter.pdf" })).toHaveCount(0);
  await veteran.context().close();
});
