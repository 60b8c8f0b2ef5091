import { Browser, expect, Page, test } from "@playwright/test";
import { collectConsoleErrors, expectNoAxeViolations, hydrated, openTeamThread, signIn } from "./helpers";

// Nothing typed in a reply box is lost: the Veteran's (or caregiver's) reply and a care team
// member's reply are drafts of their own, saved about 3 seconds after typing stops, back
// after a reload or a sign-out, and removed when the reply is sent. Colleagues see
// "{Name} is writing a reply", never the text. Each test starts a conversation of its own
// (Alex Rivera to "Primary Care – Blue Team", where Dr. Morgan Patel and Casey Nguyen work).

const unique = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1000)}`;
const TEAM = "Primary Care – Blue Team";
const SAVED = /^Draft saved at /;

async function signInAs(page: Page, email: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
}

/** Someone at their own screen: a fresh browser context, signed in. */
async function person(browser: Browser, email: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signInAs(page, email);
  return page;
}

/** Alex starts a conversation with the team; the page is left on it. */
async function startConversation(page: Page, subject: string) {
  await page.goto("/messages/new");
  await hydrated(page);
  await page.getByLabel("To", { exact: true }).selectOption({ label: TEAM });
  await page.getByLabel("Category", { exact: true }).selectOption({ label: "General" });
  await page.getByLabel("Subject", { exact: true }).fill(subject);
  await page.getByLabel("Message", { exact: true }).fill(`A question: ${subject}.`);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page).toHaveURL(/\/messages\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(subject);
  await hydrated(page);
}

/**
 * Alex moves the conversation to Trash, so the demo's own conversations stay on the first
 * page of Inbox and Sent for the specs that follow.
 */
async function moveToTrash(page: Page, subject: string) {
  await expect(async () => {
    for (const folder of ["/sent", "/inbox"]) {
      await page.goto(folder);
      await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
      try {
        await page.getByRole("button", { name: `Delete ${subject}` }).click({ timeout: 3_000 });
      } catch {
        continue;
      }
      await expect(page.getByRole("status")).toContainText("moved to Trash");
      return;
    }
    throw new Error(`"${subject}" is in neither Sent nor Inbox`);
  }).toPass({ timeout: 30_000 });
}

const replyBox = (page: Page) => page.getByRole("textbox", { name: "Message" });

test.describe.configure({ mode: "serial" });

test("a Veteran's reply is saved as a draft and comes back after a reload and a sign-out", async ({ page }) => {
  const errors = collectConsoleErrors(page);
  const subject = `Reply draft ${unique()}`;
  await signInAs(page, "veteran@example.com");
  await startConversation(page, subject);
  const thread = page.url();

  const words = "Thank you.\nOne more question about the dose";
  await replyBox(page).fill(words);
  await expect(page.getByRole("status").filter({ hasText: SAVED })).toBeVisible({ timeout: 15_000 });

  await page.reload();
  await hydrated(page);
  await expect(replyBox(page)).toHaveValue(words);
  await expect(page.getByRole("status").filter({ hasText: SAVED })).toBeVisible();
  await expectNoAxeViolations(page);

  // Listed in Drafts under the conversation's subject, continued in the conversation.
  await page.goto("/drafts");
  const row = page.getByRole("row").filter({ hasText: subject });
  await expect(row).toContainText(TEAM);
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL("/sign-in");
  await signIn(page, "veteran@example.com");
  await expect(page).toHaveURL("/inbox");
  await page.goto("/drafts");
  await page.getByRole("row").filter({ hasText: subject }).getByRole("link", { name: subject, exact: true }).click();
  await expect(page).toHaveURL(thread);
  await expect(replyBox(page)).toHaveValue(words);

  // Sent, the draft is gone: the box is empty, on this visit and the next.
  await hydrated(page);
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await expect(page.locator(".sm-message").last()).toContainText("One more question about the dose");
  await expect(replyBox(page)).toHaveValue("");
  await page.goto("/drafts");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Drafts");
  await expect(page.getByRole("link", { name: subject, exact: true })).toHaveCount(0);
  await page.goto(thread);
  await hydrated(page);
  await expect(replyBox(page)).toHaveValue("");
  expect(errors).toEqual([]);
  await moveToTrash(page, subject);
});

test("keyboard only: the reply box is reached, typed in, saved and sent without a mouse", async ({ page }) => {
  const subject = `Keyboard reply ${unique()}`;
  await signInAs(page, "veteran@example.com");
  await startConversation(page, subject);

  // "Reply" takes focus to the box.
  await page.getByRole("button", { name: "Reply", exact: true }).focus();
  await page.keyboard.press("Enter");
  await expect(replyBox(page)).toBeFocused();
  await page.keyboard.type("Typed with the keyboard alone.");
  // The status line is polite: heard without moving focus.
  await expect(page.getByRole("status").filter({ hasText: SAVED })).toBeVisible({ timeout: 15_000 });
  await expect(replyBox(page)).toBeFocused();

  // Tab on to "Send", past "Attach file".
  const send = page.getByRole("button", { name: "Send", exact: true });
  for (let i = 0; i < 10; i++) {
    if (await send.evaluate((button) => button === document.activeElement)) break;
    await page.keyboard.press("Tab");
  }
  await expect(send).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator(".sm-message").last()).toContainText("Typed with the keyboard alone.");
  await expect(replyBox(page)).toHaveValue("");
  await moveToTrash(page, subject);
});

test("a clinician's reply draft comes back, and a colleague sees who is writing but not what", async ({ browser }) => {
  const subject = `Team draft ${unique()}`;
  const alex = await person(browser, "veteran@example.com");
  await startConversation(alex, subject);

  const casey = await person(browser, "nurse@example.com");
  const caseyErrors = collectConsoleErrors(casey);
  await openTeamThread(casey, subject);
  const words = "Your results look fine; I'll ask Dr. Patel to confirm";
  await replyBox(casey).fill(words);
  await expect(casey.getByRole("status").filter({ hasText: SAVED })).toBeVisible({ timeout: 15_000 });
  await casey.reload();
  await hydrated(casey);
  await expect(replyBox(casey)).toHaveValue(words);
  await expect(casey.getByRole("status").filter({ hasText: SAVED })).toBeVisible();
  // Nobody is told they are writing themselves.
  await expect(casey.getByText("Casey Nguyen is writing a reply")).toHaveCount(0);

  // Dr. Patel sees it on the inbox row and on the thread; his own box stays empty.
  const morgan = await person(browser, "clinician@example.com");
  await morgan.goto(`/team?q=${encodeURIComponent(subject)}`);
  const row = morgan.getByRole("row").filter({ hasText: subject });
  await expect(row).toContainText("Casey Nguyen is writing a reply");
  await expectNoAxeViolations(morgan);
  await row.getByRole("link", { name: subject, exact: true }).click();
  await expect(morgan.getByRole("heading", { level: 1 })).toContainText(subject);
  await hydrated(morgan);
  await expect(morgan.getByRole("status").filter({ hasText: "Casey Nguyen is writing a reply" })).toBeVisible();
  await expect(replyBox(morgan)).toHaveValue("");
  await expect(morgan.getByText(words)).toHaveCount(0);
  await expectNoAxeViolations(morgan);

  // Casey sends: the draft goes with it, and Dr. Patel's open page says so by itself.
  await casey.getByRole("button", { name: "Reply", exact: true }).click();
  await expect(casey.getByRole("status").filter({ hasText: "Your reply was sent." })).toBeVisible();
  await expect(replyBox(casey)).toHaveValue("");
  await expect(morgan.locator(".sm-message").last()).toContainText("Your results look fine");
  await expect(morgan.getByText("Casey Nguyen is writing a reply")).toHaveCount(0);
  expect(caseyErrors).toEqual([]);
  await moveToTrash(alex, subject);
});
