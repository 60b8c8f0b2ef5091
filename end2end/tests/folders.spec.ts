import { expect, Locator, Page, test } from "@playwright/test";
import { collectConsoleErrors, expectNoAxeViolations, hydrated, signIn, teamReplies } from "./helpers";

// Folder pages, My folders, Trash and search, on the demo data
// (app/src/server/demo.rs). Every test that moves a thread puts it back, so the demo
// mailbox looks the same to the tests that follow.

const ALEX = "veteran@example.com";

async function signInAs(page: Page, email: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
  await expect(page).toHaveURL("/inbox");
}

/** The list item of the thread with this subject. */
function thread(page: Page, subject: string): Locator {
  return page.getByRole("listitem").filter({ has: page.getByRole("link", { name: subject, exact: true }) });
}

function heading(page: Page) {
  return page.getByRole("heading", { level: 1 });
}

test("the inbox lists Dr. Patel's unread reply, marked in words, with the count in the navigation", async ({
  browser,
  page,
}) => {
  // The demo's reply is unread until Alex opens it, which thread.spec.ts does: Dr. Patel
  // answers again, so this test finds an unread reply in whichever order the files run.
  await teamReplies(browser, "clinician@example.com", "Blood pressure medicine refill", "It was mailed today.");
  const errors = collectConsoleErrors(page);
  await signInAs(page, ALEX);
  await expect(heading(page)).toHaveText("Inbox");
  await expect(page.getByRole("link", { name: "Start a new message" }).first()).toHaveAttribute("href", "/messages/new");

  const reply = thread(page, "Blood pressure medicine refill");
  await expect(reply.getByText("Unread", { exact: true })).toBeVisible();
  await expect(reply).toContainText("Primary Care – Blue Team");
  await expect(reply).toContainText("Medication");
  await expect(reply.locator("time")).toHaveText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}$/);
  await expect(reply.getByRole("link", { name: "Blood pressure medicine refill" })).toHaveAttribute(
    "href",
    /^\/messages\/\d+$/,
  );

  // The older exchanges have been read: no mark.
  const read = thread(page, "Rescheduling my visit");
  await expect(read).toBeVisible();
  await expect(read.getByText("Unread", { exact: true })).toHaveCount(0);

  // The navigation's count comes from the page context.
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: /^Inbox/ })).toContainText("1 unread");

  // Three threads fit on one page: no paging links. (Keyset paging itself is covered by
  // the data-layer test folder_pages_are_keyset_paged.)
  await expect(page.getByRole("link", { name: "Older messages" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Newer messages" })).toHaveCount(0);
  // "Urgent language" is for the team only.
  await expect(page.getByRole("main").getByText(/urgent/i)).toHaveCount(0);

  await hydrated(page);
  await expectNoAxeViolations(page);

  await nav.getByRole("link", { name: /^Sent/ }).click();
  await expect(heading(page)).toHaveText("Sent");
  // Searched for: other spec files send enough to push it off Sent's first page.
  await page.getByRole("searchbox", { name: "Search Sent" }).fill("inhaler");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(thread(page, "Question about my new inhaler")).toContainText("Pharmacy");
  await expectNoAxeViolations(page);
  // Server page and hydrated page agree (a mismatch shows up as a console error).
  expect(errors).toEqual([]);
});

test("a folder is created, a thread moved in, deletion refused while not empty, then emptied and deleted", async ({
  page,
}) => {
  await signInAs(page, ALEX);
  await page.goto("/folders");
  await expect(heading(page)).toHaveText("My folders");
  await expect(page.getByText("You can delete a folder only when it's empty.")).toBeVisible();
  await hydrated(page);
  await page.getByLabel("Folder name").fill("Heart care");
  await page.getByRole("button", { name: "Create folder" }).click();
  await expect(page.getByRole("status")).toContainText("Folder created.");
  const folderLink = page.getByRole("link", { name: "Heart care", exact: true });
  await expect(folderLink).toBeVisible();
  await expect(page.getByLabel("Folder name")).toHaveValue("");
  await expectNoAxeViolations(page);
  const folderPath = await folderLink.getAttribute("href");
  expect(folderPath).toMatch(/^\/folders\/\d+$/);

  // Move a thread from the Inbox into it.
  await page.goto("/inbox");
  const row = thread(page, "Rescheduling my visit");
  await row.getByLabel("Move to").selectOption({ label: "Heart care" });
  await row.getByRole("button", { name: "Move", exact: true }).click();
  await expect(page.getByRole("status")).toContainText("The conversation was moved to Heart care.");
  await expect(thread(page, "Rescheduling my visit")).toHaveCount(0);
  await expectNoAxeViolations(page);

  // It is there.
  await page.goto(folderPath!);
  await expect(heading(page)).toHaveText("Heart care");
  await expect(thread(page, "Rescheduling my visit")).toBeVisible();
  await expectNoAxeViolations(page);

  // A folder with something in it is not deleted, and the page says why, at the folder.
  await page.goto("/folders");
  await expect(page.getByText("1 conversation")).toBeVisible();
  await hydrated(page);
  const deleteButton = page.getByRole("button", { name: "Delete folder Heart care" });
  await deleteButton.click();
  await expect(deleteButton).toHaveAccessibleDescription(/This folder isn't empty\./);
  await expect(page.getByRole("alert").first()).toContainText("There is a problem");
  await expect(folderLink).toBeVisible();
  await expectNoAxeViolations(page);

  // Move it back to the Inbox; the folder is empty.
  await page.goto(folderPath!);
  const moved = thread(page, "Rescheduling my visit");
  await moved.getByLabel("Move to").selectOption({ label: "Inbox" });
  await moved.getByRole("button", { name: "Move", exact: true }).click();
  await expect(page.getByText("There are no conversations in Heart care.")).toBeVisible();
  await page.goto("/inbox");
  await expect(thread(page, "Rescheduling my visit")).toBeVisible();

  // Now it can be deleted.
  await page.goto("/folders");
  await hydrated(page);
  await page.getByRole("button", { name: "Delete folder Heart care" }).click();
  await expect(page.getByRole("status")).toContainText("Folder deleted.");
  await expect(page.getByRole("link", { name: "Heart care", exact: true })).toHaveCount(0);
  const gone = await page.goto(folderPath!);
  expect(gone?.status()).toBe(404);
  await expect(heading(page)).toHaveText("Page not found");
});

test("a duplicate name and a name with symbols are refused at the field, keeping what was typed", async ({ page }) => {
  await signInAs(page, ALEX);
  await page.goto("/folders");
  await hydrated(page);
  const name = page.getByLabel("Folder name");
  await name.fill("Insurance");
  await page.getByRole("button", { name: "Create folder" }).click();
  await expect(page.getByRole("link", { name: "Insurance", exact: true })).toBeVisible();

  await name.fill("insurance");
  await page.getByRole("button", { name: "Create folder" }).click();
  await expect(name).toHaveAccessibleDescription(/You already have a folder with that name/);
  await expect(name).toHaveAttribute("aria-invalid", "true");
  await expect(name).toHaveValue("insurance");
  await expectNoAxeViolations(page);

  await name.fill("Bills & claims!");
  await page.getByRole("button", { name: "Create folder" }).click();
  await expect(name).toHaveAccessibleDescription(/Folder name can only use letters, numbers and spaces\./);
  await expect(name).toHaveValue("Bills & claims!");
  await expectNoAxeViolations(page);

  // Renaming follows the same rules, at that folder's own box.
  const rename = page.getByLabel("New name for Insurance");
  await rename.fill("Claims?");
  await page.getByRole("button", { name: "Rename Insurance" }).click();
  await expect(rename).toHaveAccessibleDescription(/only use letters, numbers and spaces/);
  await expect(rename).toHaveValue("Claims?");
  await rename.fill("Claims");
  await page.getByRole("button", { name: "Rename Insurance" }).click();
  await expect(page.getByRole("link", { name: "Claims", exact: true })).toBeVisible();

  // Tidy up: an empty folder is deleted at once.
  await page.getByRole("button", { name: "Delete folder Claims" }).click();
  await expect(page.getByRole("link", { name: "Claims", exact: true })).toHaveCount(0);
});

test("Delete moves a thread to Trash and Restore brings it back", async ({ page }) => {
  await signInAs(page, ALEX);
  await thread(page, "Lab results from my checkup").getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toContainText("The conversation was moved to Trash.");
  await expect(thread(page, "Lab results from my checkup")).toHaveCount(0);

  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Trash" }).click();
  await expect(heading(page)).toHaveText("Trash");
  const trashed = thread(page, "Lab results from my checkup");
  await expect(trashed).toBeVisible();
  await expect(trashed.getByRole("button", { name: "Delete" })).toHaveCount(0);
  await expectNoAxeViolations(page);

  await trashed.getByRole("button", { name: "Restore" }).click();
  await expect(page.getByRole("status")).toContainText("The conversation was restored to Inbox.");
  // Gone from Trash (other specs may leave their own conversations there).
  await expect(thread(page, "Lab results from my checkup")).toHaveCount(0);
  await page.goto("/inbox");
  await expect(thread(page, "Lab results from my checkup")).toBeVisible();
});

test("search finds a thread by a word from a message, and nothing for a word that is nowhere", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await signInAs(page, ALEX);
  // The folder's own search box: "cholesterol" is only in the body of a message.
  await page.getByLabel("Search Inbox").fill("cholesterol");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page).toHaveURL(/\/search\?folder=inbox&q=cholesterol/);
  await expect(heading(page)).toHaveText("Search messages");
  await expect(thread(page, "Lab results from my checkup")).toContainText("In Inbox");
  await expect(page.getByRole("listitem").filter({ hasText: "Blood pressure" })).toHaveCount(0);
  await expect(page.getByLabel("Keywords")).toHaveValue("cholesterol");
  await expectNoAxeViolations(page);

  // Everywhere, a word nowhere.
  await page.getByLabel("Keywords").fill("zebra");
  await page.getByLabel("Folder").selectOption({ label: "All folders except Trash" });
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByText("No conversations match your search.")).toBeVisible();

  // Who sent a message finds it: the nurse's family name is nowhere in the words.
  await page.getByLabel("Keywords").fill("Nguyen");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(thread(page, "Lab results from my checkup")).toBeVisible();

  // Filters: a category and the last 3 months (that thread's last message is 60 days old).
  await page.getByLabel("Keywords").fill("inhaler");
  await page.getByLabel("Category").selectOption({ label: "Medication" });
  await page.getByLabel("Date of the latest message").selectOption({ label: "Last 3 months" });
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(thread(page, "Question about my new inhaler")).toContainText("In Sent");

  // Custom dates the wrong way round are refused at the field.
  await page.getByLabel("Date of the latest message").selectOption({ label: "Custom dates" });
  await page.getByLabel("From").fill("2026-05-02");
  await page.getByLabel("To", { exact: true }).fill("2026-05-01");
  await page.getByRole("button", { name: "Search", exact: true }).click();
  await expect(page.getByLabel("To", { exact: true })).toHaveAccessibleDescription(
    /The end date must be the same as or after the start date\./,
  );
  await expect(page.getByLabel("Keywords")).toHaveValue("inhaler");
  await hydrated(page);
  await expectNoAxeViolations(page);
  expect(errors).toEqual([]);
});

test("folders, moves and search work with JavaScript turned off", async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signInAs(page, ALEX);
  const row = thread(page, "Rescheduling my visit");
  await row.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("status")).toContainText("moved to Trash");
  await page.goto("/trash");
  await thread(page, "Rescheduling my visit").getByRole("button", { name: "Restore" }).click();
  await expect(page.getByRole("status")).toContainText("restored to Inbox");

  await page.goto("/search?q=renewed");
  await expect(thread(page, "Blood pressure medicine refill")).toBeVisible();

  await page.goto("/folders");
  await page.getByLabel("Folder name").fill("No script!");
  await page.getByRole("button", { name: "Create folder" }).click();
  await expect(page.getByLabel("Folder name")).toHaveAccessibleDescription(/only use letters, numbers and spaces/);
  await context.close();
});

test("another Veteran never sees Alex's threads and gets not found at Alex's folder", async ({ page }) => {
  await signInAs(page, ALEX);
  await page.goto("/folders");
  await hydrated(page);
  await page.getByLabel("Folder name").fill("Private");
  await page.getByRole("button", { name: "Create folder" }).click();
  const folderPath = await page.getByRole("link", { name: "Private", exact: true }).getAttribute("href");
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/sign-in");

  await signIn(page, "veteran2@example.com");
  await expect(page).toHaveURL("/inbox");
  await expect(heading(page)).toHaveText("Inbox");
  await expect(page.getByText("There are no conversations in Inbox.")).toBeVisible();
  await expect(page.getByText("Blood pressure medicine refill")).toHaveCount(0);
  await expectNoAxeViolations(page);

  const response = await page.goto(folderPath!);
  expect(response?.status()).toBe(404);
  await expect(heading(page)).toHaveText("Page not found");
  await expect(page.getByText("Private")).toHaveCount(0);
  await expectNoAxeViolations(page);

  await page.goto("/search?q=cholesterol");
  await expect(page.getByText("No conversations match your search.")).toBeVisible();
  await page.goto(`/search?q=cholesterol&folder=${folderPath!.split("/").pop()}`);
  await expect(page.getByLabel("Folder")).toHaveAccessibleDescription(/Choose a folder from the list/);
  await expect(page.getByText("Lab results from my checkup")).toHaveCount(0);
});

test("a Veteran downloads every conversation as one file that reads offline", async ({ browser, page }) => {
  await signInAs(page, ALEX);
  await page.goto("/settings");
  const section = page.getByRole("region", { name: "Download my messages" });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    section.getByRole("button", { name: "Download my messages" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^my-va-messages-\d{4}-\d{2}-\d{2}\.html$/);
  // Saved under its own name, so the browser opens it as the web page it is.
  const file = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(file);

  // Opened from the disk with no network: everything is in the file.
  const offline = await browser.newContext({ offline: true });
  const reader = await offline.newPage();
  await reader.goto(`file://${file}`);
  await expect(reader.getByRole("heading", { level: 1 })).toHaveText("Your VA secure messages");
  await expect(reader.getByRole("heading", { level: 2, name: "Lab results from my checkup" })).toBeVisible();
  await expect(reader.getByText("Are my cholesterol results back from last week's blood draw?")).toBeVisible();
  await expect(reader.getByRole("heading", { level: 3, name: "Sam Rivera for Alex Rivera" })).toBeVisible();
  await expectNoAxeViolations(reader);
  await offline.close();
});
