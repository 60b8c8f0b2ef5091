import { Browser, expect, Page, test } from "@playwright/test";
import { readFileSync } from "fs";
import { expectNoAxeViolations, hydrated, signIn } from "./helpers";

// Attachments: a Veteran attaches files on "Start a new message", the browser and
// the server refuse what breaks a rule with the rule's sentence, the draft keeps its files
// across a reload, and the care team downloads exactly the bytes sent; nobody else can.
// Runs first on the shared demo database: it sends one message of its own (unique subject)
// to "Primary Care – Blue Team" and leaves no draft behind.

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;

// A minimal valid PDF and a 1×1 PNG: real files whose content matches their names.
const PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
    "2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
    "3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n" +
    "trailer<</Root 1 0 R>>\n%%EOF\n",
);
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
// A Windows program renamed to look like a PDF: "MZ", then padding.
const EXE = Buffer.concat([Buffer.from("MZ\x90\x00\x03\x00\x00\x00"), Buffer.alloc(256, 0)]);
const MIB = 1024 * 1024;

const file = (name: string, mimeType: string, buffer: Buffer) => ({ name, mimeType, buffer });

async function signInAs(page: Page, email: string, home: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
  await expect(page).toHaveURL(home);
}

async function openCompose(page: Page, query = "") {
  await page.goto(`/messages/new${query}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Start a new message");
  await hydrated(page);
  await expect(page.locator("form.sm-compose")).toHaveAttribute("data-enhanced", "true");
}

const attachInput = (page: Page) => page.getByLabel("Attach file");
const attached = (page: Page) => page.getByRole("list", { name: "Attached files" });
const fieldErrors = (page: Page) => page.locator("#attachments-error");
const message = (page: Page) => page.getByLabel("Message", { exact: true });

async function newPage(browser: Browser) {
  // A context made here does not take the config's `use`: give it the server's address.
  const context = await browser.newContext({ acceptDownloads: true, baseURL: test.info().project.use.baseURL });
  return context.newPage();
}

test("a Veteran attaches files, refusals name the file and the rule, the team downloads the same bytes", async ({
  page,
  browser,
}) => {
  await signInAs(page, "veteran@example.com", "/inbox");
  await openCompose(page);
  // The limits are stated next to the control.
  await expect(page.locator("#attachments-hint")).toHaveText(
    "Up to 4 files, 6 MB each and 10 MB in all. Allowed types: doc, docx, gif, jpg, jpeg, pdf, png, rtf, txt, xls, xlsx.",
  );

  const subject = `Attachment check ${unique()}`;
  const body = "Here are my lab report and a photo of the rash.\nThank you.";
  await page.getByLabel("To", { exact: true }).selectOption({ label: "Primary Care – Blue Team" });
  await page.getByLabel("Category", { exact: true }).selectOption({ label: "General" });
  await page.getByLabel("Subject", { exact: true }).fill(subject);
  await message(page).fill(body);

  await attachInput(page).setInputFiles([
    file("lab report.pdf", "application/pdf", PDF),
    file("rash.png", "image/png", PNG),
  ]);
  await expect(attached(page).getByRole("listitem")).toHaveCount(2);
  await expect(attached(page)).toContainText("lab report.pdf");
  await expect(attached(page)).toContainText("rash.png");
  await expect(page.getByRole("button", { name: "Remove lab report.pdf" })).toBeVisible();
  await expect(page.locator(".sm-attach")).not.toHaveClass(/usa-form-group--error/);

  // Refused in the browser, before any upload: too big, and a type not allowed.
  await attachInput(page).setInputFiles([file("big scan.pdf", "application/pdf", Buffer.alloc(7 * MIB, 0x25))]);
  await expect(fieldErrors(page)).toHaveText("Error: big scan.pdf is 7 MB; the limit is 6 MB");
  await expect(page.locator(".sm-attach")).toHaveClass(/usa-form-group--error/);
  await attachInput(page).setInputFiles([file("notes.html", "text/html", Buffer.from("<p>hi</p>"))]);
  await expect(fieldErrors(page)).toHaveText("Error: notes.html: this file type isn't allowed");

  // Refused by the server, which reads the content: a program renamed to .pdf.
  await attachInput(page).setInputFiles([file("results.pdf", "application/pdf", EXE)]);
  await expect(fieldErrors(page)).toHaveText("Error: results.pdf: the content isn't a PDF file");

  // A fifth file: two more fit beside the two attached, the third is refused.
  await attachInput(page).setInputFiles([
    file("one.txt", "text/plain", Buffer.from("one")),
    file("two.txt", "text/plain", Buffer.from("two")),
    file("three.txt", "text/plain", Buffer.from("three")),
  ]);
  await expect(fieldErrors(page)).toHaveText("Error: three.txt: a message can have at most 4 files");
  await expect(attached(page).getByRole("listitem")).toHaveCount(4);
  await expectNoAxeViolations(page);

  // "Remove" takes a file off the draft.
  await page.getByRole("button", { name: "Remove one.txt" }).click();
  await page.getByRole("button", { name: "Remove two.txt" }).click();
  await expect(attached(page).getByRole("listitem")).toHaveCount(2);

  // Nothing typed was lost along the way.
  await expect(message(page)).toHaveValue(body);
  await expect(attached(page)).not.toContainText("results.pdf");

  // The draft keeps its files: reopened after a reload, they are listed again.
  const draftId = await page.locator('input[name="draft_id"]').inputValue();
  expect(draftId).toMatch(/^\d+$/);
  await page.waitForTimeout(3500); // autosave saves the last typing
  await openCompose(page, `?draft=${draftId}`);
  await page.reload();
  await hydrated(page);
  await expect(page.getByLabel("Subject", { exact: true })).toHaveValue(subject);
  await expect(attached(page).getByRole("listitem")).toHaveCount(2);
  await expect(page.getByRole("button", { name: "Remove lab report.pdf" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Remove rash.png" })).toBeVisible();
  await expect(attached(page)).not.toContainText("one.txt");

  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  const files = page.getByRole("list", { name: "Attachments" });
  await expect(files.getByRole("link", { name: "lab report.pdf" })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Remove/ })).toHaveCount(0);
  await expect(files.getByRole("link", { name: "rash.png" })).toBeVisible();
  await expect(files).toContainText("PDF");
  await expect(files).toContainText("PNG image");
  await hydrated(page);
  await expectNoAxeViolations(page);
  const pdfHref = await files.getByRole("link", { name: "lab report.pdf" }).getAttribute("href");
  const pngHref = await files.getByRole("link", { name: "rash.png" }).getAttribute("href");
  expect(pdfHref).toMatch(/^\/attachments\//);
  expect(pngHref).toMatch(/^\/attachments\//);

  // A reply carries files too, and its draft keeps them across a reload.
  const replyText = "One more photo from today.";
  await message(page).fill(replyText);
  await attachInput(page).setInputFiles([file("today.png", "image/png", PNG)]);
  await expect(page.getByRole("button", { name: "Remove today.png" })).toBeVisible();
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole("button", { name: "Remove today.png" })).toBeVisible();
  await expect(message(page)).toHaveValue(replyText);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.getByRole("link", { name: "today.png", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Remove today.png" })).toHaveCount(0);

  // The sent draft is gone from Drafts: nothing left behind.
  await page.goto("/drafts");
  await expect(page.getByText(subject)).toHaveCount(0);

  // Another Veteran gets "not found" for the same links.
  const other = await newPage(browser);
  await signInAs(other, "veteran2@example.com", "/inbox");
  for (const href of [pdfHref!, pngHref!]) {
    const answer = await other.request.get(href);
    expect(answer.status()).toBe(404);
    expect(await answer.body()).not.toEqual(PDF);
  }
  await other.context().close();

  // The care team downloads both and gets exactly the bytes sent.
  const nurse = await newPage(browser);
  await signInAs(nurse, "nurse@example.com", "/team");
  await nurse.getByRole("link", { name: subject }).first().click();
  await expect(nurse.getByRole("heading", { level: 1 })).toContainText(subject);
  for (const [name, bytes] of [
    ["lab report.pdf", PDF],
    ["rash.png", PNG],
    ["today.png", PNG],
  ] as const) {
    const [download] = await Promise.all([
      nurse.waitForEvent("download"),
      nurse.getByRole("link", { name, exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(name);
    const path = await download.path();
    expect(readFileSync(path)).toEqual(bytes);
  }
  await hydrated(nurse);
  await expectNoAxeViolations(nurse);
  await nurse.context().close();
});

test("without JavaScript, files post with the form; a refused file comes back with everything typed", async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  await signInAs(page, "veteran@example.com", "/inbox");
  await page.goto("/messages/new");
  const subject = `No script files ${unique()}`;
  const body = "My discharge papers are attached.";
  await page.getByLabel("To", { exact: true }).selectOption({ label: "Primary Care – Blue Team" });
  await page.getByLabel("Category", { exact: true }).selectOption({ label: "General" });
  await page.getByLabel("Subject", { exact: true }).fill(subject);
  await message(page).fill(body);
  await attachInput(page).setInputFiles([
    file("discharge.pdf", "application/pdf", PDF),
    file("invoice.pdf", "application/pdf", EXE),
  ]);
  await page.getByRole("button", { name: "Send", exact: true }).click();

  // The same page: the refusal at the field and in the summary, the kept file listed,
  // nothing typed lost, nothing sent.
  await expect(page).toHaveURL(/\/messages\/new\?kept=[0-9a-f]{32}&draft=\d+/);
  await expect(fieldErrors(page)).toHaveText("Error: invoice.pdf: the content isn't a PDF file");
  await expect(page.getByRole("alert").filter({ hasText: "There is a problem" })).toContainText(
    "invoice.pdf: the content isn't a PDF file",
  );
  await expect(page.getByLabel("Subject", { exact: true })).toHaveValue(subject);
  await expect(message(page)).toHaveValue(body);
  await expect(attached(page).getByRole("listitem")).toHaveCount(1);
  await expect(attached(page)).toContainText("discharge.pdf");

  // Sent again without choosing anything: the draft's file goes with the message.
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  await expect(page.getByRole("list", { name: "Attachments" }).getByRole("link", { name: "discharge.pdf" })).toBeVisible();
  await expect(page.getByRole("link", { name: "invoice.pdf" })).toHaveCount(0);
  await context.close();
});

test("with JavaScript off, Remove takes a file off the draft and keeps the text; Enter still sends", async ({
  browser,
}) => {
  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  await signInAs(page, "veteran@example.com", "/inbox");
  await page.goto("/messages/new");
  const subject = `No script remove ${unique()}`;
  await page.getByLabel("To", { exact: true }).selectOption({ label: "Primary Care – Blue Team" });
  await page.getByLabel("Category", { exact: true }).selectOption({ label: "General" });
  await page.getByLabel("Subject", { exact: true }).fill(subject);
  await message(page).fill("Two files for you.");
  await attachInput(page).setInputFiles([
    file("referral.pdf", "application/pdf", PDF),
    file("wrong-photo.png", "image/png", PNG),
  ]);
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page).toHaveURL(/\/messages\/new\?draft=\d+$/);
  await expect(attached(page).getByRole("listitem")).toHaveCount(2);

  // "Remove" posts the form: the file goes, and what was typed since is kept on the draft.
  await message(page).fill("Only the referral, sorry.");
  await page.getByRole("button", { name: "Remove wrong-photo.png" }).click();
  await expect(page).toHaveURL(/\/messages\/new\?draft=\d+$/);
  await expect(attached(page).getByRole("listitem")).toHaveCount(1);
  await expect(attached(page)).toContainText("referral.pdf");
  await expect(attached(page)).not.toContainText("wrong-photo.png");
  await expect(page.getByLabel("Subject", { exact: true })).toHaveValue(subject);
  await expect(message(page)).toHaveValue("Only the referral, sorry.");

  // Enter in a field still means "Send", not "Remove": the message goes with its file.
  await page.getByLabel("Subject", { exact: true }).press("Enter");
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  const files = page.getByRole("list", { name: "Attachments" });
  await expect(files.getByRole("link", { name: "referral.pdf" })).toBeVisible();
  await expect(files.getByRole("link", { name: "wrong-photo.png" })).toHaveCount(0);
  await expect(page.getByText("Only the referral, sorry.").first()).toBeVisible();
  await context.close();
});

/** Alex starts a conversation with Primary Care for the team to answer; returns its address. */
async function alexWritesToPrimaryCare(page: Page, subject: string) {
  await signInAs(page, "veteran@example.com", "/inbox");
  await openCompose(page);
  await page.getByLabel("To", { exact: true }).selectOption({ label: "Primary Care – Blue Team" });
  await page.getByLabel("Category", { exact: true }).selectOption({ label: "General" });
  await page.getByLabel("Subject", { exact: true }).fill(subject);
  await message(page).fill("Could you send me my care plan?");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  return new URL(page.url()).pathname;
}

/** The nurse opens that conversation from the team inbox, found by its subject. */
async function nurseOpens(nurse: Page, subject: string) {
  await signInAs(nurse, "nurse@example.com", "/team");
  await nurse.goto(`/team?q=${encodeURIComponent(subject)}`);
  await nurse.getByRole("link", { name: subject }).first().click();
  await expect(nurse.getByRole("heading", { level: 1 })).toContainText(subject);
}

test("a care team member attaches files to a reply; a refused file keeps the reply; the Veteran downloads the same bytes", async ({
  page,
  browser,
}) => {
  const subject = `Care plan please ${unique()}`;
  const thread = await alexWritesToPrimaryCare(page, subject);

  const nurse = await newPage(browser);
  await nurseOpens(nurse, subject);
  await hydrated(nurse);
  await expect(nurse.locator("#attachments-hint")).toHaveText(
    "Up to 4 files, 6 MB each and 10 MB in all. Allowed types: doc, docx, gif, jpg, jpeg, pdf, png, rtf, txt, xls, xlsx.",
  );
  const reply = message(nurse);
  const text = "Your care plan is attached.\nCall us with any questions.";
  await reply.fill(text);
  await attachInput(nurse).setInputFiles([file("care plan.pdf", "application/pdf", PDF)]);
  await expect(nurse.getByRole("button", { name: "Remove care plan.pdf" })).toBeVisible();

  // Refused in the browser (a program), then by the server (a program renamed to .pdf):
  // each says which file and why, and the typed reply and the kept file stay.
  await attachInput(nurse).setInputFiles([file("setup.exe", "application/octet-stream", EXE)]);
  await expect(fieldErrors(nurse)).toHaveText("Error: setup.exe: this file type isn't allowed");
  await attachInput(nurse).setInputFiles([file("labs.pdf", "application/pdf", EXE)]);
  await expect(fieldErrors(nurse)).toHaveText("Error: labs.pdf: the content isn't a PDF file");
  await expect(reply).toHaveValue(text);
  await expect(attached(nurse).getByRole("listitem")).toHaveCount(1);
  await expect(attached(nurse)).toContainText("care plan.pdf");
  await expectNoAxeViolations(nurse);

  // The file waits on the server: after a reload it is listed again.
  await nurse.reload();
  await hydrated(nurse);
  await expect(nurse.getByRole("button", { name: "Remove care plan.pdf" })).toBeVisible();
  await expect(attached(nurse).getByRole("listitem")).toHaveCount(1);
  await message(nurse).fill(text);
  await nurse.getByRole("button", { name: "Reply", exact: true }).click();
  await expect(nurse.getByRole("status").filter({ hasText: "Your reply was sent." })).toBeVisible();
  const sent = nurse.getByRole("list", { name: "Attachments" });
  await expect(sent.getByRole("link", { name: "care plan.pdf" })).toBeVisible();
  await expect(nurse.getByRole("button", { name: /^Remove/ })).toHaveCount(0);
  await nurse.context().close();

  // Alex sees the reply with its file and downloads exactly the bytes the nurse attached.
  await page.goto(thread);
  const files = page.getByRole("list", { name: "Attachments" });
  await expect(files.getByRole("link", { name: "care plan.pdf" })).toBeVisible();
  await expect(files).toContainText("PDF");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    files.getByRole("link", { name: "care plan.pdf", exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe("care plan.pdf");
  expect(readFileSync(await download.path())).toEqual(PDF);
});

test("without JavaScript, the team's reply posts its files; a refused file comes back with the text", async ({
  page,
  browser,
}) => {
  const subject = `Referral letter ${unique()}`;
  const thread = await alexWritesToPrimaryCare(page, subject);

  const context = await browser.newContext({ javaScriptEnabled: false, baseURL: test.info().project.use.baseURL });
  const nurse = await context.newPage();
  await nurseOpens(nurse, subject);
  const text = "The referral letter is attached.";
  await message(nurse).fill(text);
  await attachInput(nurse).setInputFiles([
    file("referral.pdf", "application/pdf", PDF),
    file("letter.pdf", "application/pdf", EXE),
  ]);
  await nurse.getByRole("button", { name: "Reply", exact: true }).click();

  // The same thread: the refusal at the field and in the summary, the good file kept,
  // the text kept, nothing sent.
  await expect(nurse).toHaveURL(/\/team\/threads\/\d+\?kept=/);
  await expect(fieldErrors(nurse)).toHaveText("Error: letter.pdf: the content isn't a PDF file");
  await expect(nurse.getByRole("alert").filter({ hasText: "There is a problem" })).toContainText(
    "letter.pdf: the content isn't a PDF file",
  );
  await expect(message(nurse)).toHaveValue(text);
  await expect(attached(nurse).getByRole("listitem")).toHaveCount(1);
  await expect(attached(nurse)).toContainText("referral.pdf");
  await expect(nurse.getByRole("list", { name: "Attachments" })).toHaveCount(0);

  // "Reply" again with nothing chosen: the kept file goes with the reply.
  await nurse.getByRole("button", { name: "Reply", exact: true }).click();
  await expect(nurse.getByRole("status").filter({ hasText: "Your reply was sent." })).toBeVisible();
  await expect(
    nurse.getByRole("list", { name: "Attachments" }).getByRole("link", { name: "referral.pdf" }),
  ).toBeVisible();
  await context.close();

  await page.goto(thread);
  await expect(page.getByRole("list", { name: "Attachments" }).getByRole("link", { name: "referral.pdf" })).toBeVisible();
  await expect(page.getByRole("link", { name: "letter.pdf" })).toHaveCount(0);
});
