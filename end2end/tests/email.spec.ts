import { test, expect, Page, Browser } from "@playwright/test";
import { PASSWORD, expectNoAxeViolations, hydrated, scrollsSideways, signIn, teamReplies } from "./helpers";

// Email, as people meet it in the demo: the demo has no SMTP server, so its emails wait at
// /demo/mail, where these journeys read them. Only emails newer than the newest one before
// each journey count (the page lists the newest first, and other spec files make emails too).
// No email may carry health information: no subject, no message text, no team name.

const STAMP = Date.now().toString(36);
const BLUE_TEAM = "Primary Care – Blue Team";

type Mail = { id: number; to: string; subject: string; text: string; link: string };

async function newPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

async function signInAs(page: Page, email: string) {
  await page.goto("/sign-in");
  await signIn(page, email);
}

/** Every email on /demo/mail, newest first. */
async function mails(page: Page): Promise<Mail[]> {
  await page.goto("/demo/mail");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Demo mail");
  return page.locator("article").evaluateAll((articles) =>
    articles.map((article) => {
      const heading = article.querySelector("h2");
      const link = article.querySelector("a");
      return {
        id: Number((heading?.id ?? "").replace("demo-mail-", "")),
        to: (article.querySelector("p")?.textContent ?? "").replace("To: ", ""),
        subject: heading?.textContent ?? "",
        text: article.textContent ?? "",
        link: link?.getAttribute("href") ?? "",
      };
    }),
  );
}

/** The id of the newest email so far (0 for none). */
async function newestMailId(page: Page): Promise<number> {
  return Math.max(0, ...(await mails(page)).map((mail) => mail.id));
}

/**
 * The id of the newest email once what earlier spec files caused has been written: the
 * server turns new-message notices and team alerts into emails every 5 seconds, so one
 * period and a little more after they acted, nothing of theirs is still on its way.
 */
async function settledNewestMailId(page: Page): Promise<number> {
  await page.waitForTimeout(6_000);
  return newestMailId(page);
}

/** The emails newer than `since` to `to` with `subject`, once `count` of them are there. */
async function waitForMails(page: Page, since: number, to: string, subject: string, count = 1): Promise<Mail[]> {
  let found: Mail[] = [];
  await expect
    .poll(
      async () => {
        found = (await mails(page)).filter((m) => m.id > since && m.to === to && m.subject === subject);
        return found.length;
      },
      { timeout: 20_000, intervals: [1_000] },
    )
    .toBe(count);
  return found;
}

/** The person's "Email me about new messages" choice, saved from Settings. */
async function chooseNewMessageEmail(page: Page, label: string) {
  await page.goto("/settings");
  const group = page.getByRole("group", { name: "Email me about new messages" });
  await group.getByLabel(label, { exact: true }).check();
  await page.getByRole("button", { name: "Save email setting" }).click();
  await expect(page.getByText("Email setting saved.")).toBeVisible();
  await expect(
    page.getByRole("group", { name: "Email me about new messages" }).getByLabel(label, { exact: true }),
  ).toBeChecked();
}

test("a reply from the nurse emails Alex once with no health text, and 'Once a day' emails Sam nothing now", async ({
  browser,
}) => {
  // Sam, Alex's caregiver, asks for one email a day.
  const sam = await newPage(browser);
  await signInAs(sam, "caregiver@example.com");
  await expect(sam).toHaveURL("/inbox");
  await chooseNewMessageEmail(sam, "Once a day");
  await hydrated(sam);
  await expectNoAxeViolations(sam);
  const since = await settledNewestMailId(sam);

  const subject = "Blood pressure medicine refill";
  const words = `Your potassium is a little low ${STAMP}; eat a banana a day.`;
  await teamReplies(browser, "nurse@example.com", subject, words);

  const [mail] = await waitForMails(sam, since, "veteran@example.com", "You have a new secure message");
  for (const health of [words, "potassium", subject, BLUE_TEAM, "Blue Team", "Casey"]) {
    expect(mail.text).not.toContain(health);
  }
  // Sam's digest waits for 7 am: nothing to Sam now.
  const toSam = (await mails(sam)).filter((m) => m.id > since && m.to === "caregiver@example.com");
  expect(toSam).toEqual([]);
  await expectNoAxeViolations(sam);

  // Alex follows the link: signed out, the sign-in page, then the Inbox with the reply.
  const alex = await newPage(browser);
  await alex.goto(new URL(mail.link).pathname);
  await expect(alex).toHaveURL(/\/sign-in/);
  await signIn(alex, "veteran@example.com");
  await expect(alex).toHaveURL("/inbox");
  await expect(alex.getByRole("link", { name: subject }).first()).toBeVisible();

  // Sam goes back to the default.
  await chooseNewMessageEmail(sam, "Each time");
});

test("an urgent message emails every care team member on duty, naming nothing", async ({ browser }) => {
  const alex = await newPage(browser);
  await signInAs(alex, "veteran@example.com");
  await expect(alex).toHaveURL("/inbox");
  const since = await settledNewestMailId(alex);

  const title = `Pain tonight ${STAMP}`;
  const words = "I have chest pain and my left arm is numb.";
  await alex.goto("/messages/new");
  await hydrated(alex);
  await expect(alex.locator("form.sm-compose")).toHaveAttribute("data-enhanced", "true");
  await alex.getByLabel("To", { exact: true }).selectOption({ label: BLUE_TEAM });
  await alex.getByLabel("Category", { exact: true }).selectOption({ label: "General" });
  await alex.getByLabel("Subject", { exact: true }).fill(title);
  await alex.getByLabel("Message", { exact: true }).fill(words);
  await alex.getByRole("button", { name: "Send", exact: true }).click();
  await alex.getByRole("alertdialog").getByRole("button", { name: "Send anyway" }).click();
  await expect(alex).toHaveURL(/\/messages\/\d+$/);

  const subject = "A message may need urgent attention";
  for (const clinician of ["clinician@example.com", "nurse@example.com"]) {
    const [mail] = await waitForMails(alex, since, clinician, subject);
    for (const health of [words, "chest pain", title, "Alex", "Rivera", BLUE_TEAM]) {
      expect(mail.text).not.toContain(health);
    }
    expect(new URL(mail.link).pathname).toBe("/team");
  }
  // And in the app, at once: the nurse's notifications link to the conversation.
  const casey = await newPage(browser);
  await signInAs(casey, "nurse@example.com");
  const nav = casey.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link", { name: /^Notifications\s*\d+ new$/ })).toBeVisible();
  await casey.goto("/team/notifications");
  const item = casey.locator(".sm-notification").filter({ hasText: title });
  await expect(item).toContainText("New");
  await expect(item).toContainText("May need urgent attention:");
  await expectNoAxeViolations(casey);
  await item.getByRole("link", { name: title }).click();
  await expect(casey.getByRole("heading", { level: 1 })).toContainText(title);

  // The demo mailbox looks the same to the specs that follow: one more sent conversation
  // would push a demo one off the first page of Sent (folders.spec.ts).
  await alex.goto("/sent");
  await alex.getByRole("button", { name: `Delete ${title}` }).click();
  await expect(alex.getByRole("status")).toContainText("The conversation was moved to Trash.");
});

test("a new email address takes effect through the link emailed to it, and the old address is told", async ({
  browser,
}) => {
  const jordan = await newPage(browser);
  await signInAs(jordan, "veteran2@example.com");
  await expect(jordan).toHaveURL("/inbox");
  const since = await newestMailId(jordan);
  // There and back, so the specs that follow find Jordan at the demo's address.
  const change = async (from: string, to: string) => {
    await jordan.goto("/settings");
    await hydrated(jordan);
    const section = jordan.getByRole("region", { name: "Change your email address" });
    await expect(section).toContainText(`You sign in with ${from}.`);
    await section.getByLabel("New email address").fill(to);
    await section.getByLabel("Current password").fill(PASSWORD);
    await section.getByRole("button", { name: "Email me a link" }).click();
    await expect(section.getByRole("status")).toContainText("We emailed a link to your new address.");
    await expect(section).toContainText(`We're waiting for you to follow the link we emailed to ${to}.`);
    await expectNoAxeViolations(jordan);
    const [mail] = await waitForMails(jordan, since, to, "Confirm your new email address for VA Secure Messaging");
    const link = new URL(mail.link);
    await jordan.goto(link.pathname + link.search);
    await expect(jordan.getByRole("heading", { level: 1 })).toHaveText("Confirm your new email address");
    await expect(jordan.getByText(`Sign in with ${to} from now on?`)).toBeVisible();
    await expectNoAxeViolations(jordan);
    await jordan.getByRole("button", { name: "Use this address" }).click();
    await expect(section.getByRole("status")).toContainText("Your email address is changed.");
    await expect(section).toContainText(`You sign in with ${to}.`);
    const [notice] = await waitForMails(jordan, since, from, "Your email address was changed");
    expect(new URL(notice.link).pathname).toBe("/sign-in");
  };
  await change("veteran2@example.com", `jordan-${STAMP}@example.net`);
  await change(`jordan-${STAMP}@example.net`, "veteran2@example.com");
});

test("the demo's mail page is for signed-in people only and says it exists only in the demo", async ({ browser }) => {
  const anonymous = await newPage(browser);
  await anonymous.goto("/demo/mail");
  await expect(anonymous).toHaveURL(/\/sign-in/);

  const jordan = await newPage(browser);
  await signInAs(jordan, "veteran2@example.com");
  await expect(jordan).toHaveURL("/inbox");
  await jordan.goto("/demo/mail");
  await expect(jordan.getByText("This page exists only in the demo.")).toBeVisible();
  await hydrated(jordan);
  await expectNoAxeViolations(jordan);
  // Its long links wrap on a phone.
  await jordan.setViewportSize({ width: 320, height: 800 });
  expect(await scrollsSideways(jordan)).toBe(false);
});

test("'Forgot your password?' emails a link that sets a new password and signs out everywhere else", async ({
  browser,
}) => {
  const email = `forgot.${STAMP}@example.com`;
  const first = "a lantern by the north window";
  const second = "a kettle on the back burner";

  // The administrator invites a Veteran of this file's own, who sets a first password.
  const admin = await newPage(browser);
  await signInAs(admin, "admin@example.com");
  await expect(admin).toHaveURL("/admin");
  await admin.goto("/admin/users");
  await admin.getByLabel("Email address").fill(email);
  await admin.getByLabel("Full name").fill(`Frankie Forgot ${STAMP}`);
  await admin.getByLabel("Role").selectOption({ label: "Veteran" });
  await admin.getByRole("button", { name: "Invite" }).click();
  await expect(admin.getByText(`We emailed a set-up link to ${email}.`)).toBeVisible();
  const [invitation] = await waitForMails(admin, 0, email, "Set up your VA Secure Messaging account");
  const person = await newPage(browser);
  await setPassword(person, new URL(invitation.link), first);
  await signIn(person, email, first);
  await expect(person).toHaveURL("/inbox");

  // On another device: "Forgot your password?". The answer is the same for an address no
  // account uses.
  const since = await newestMailId(admin);
  const other = await newPage(browser);
  await other.goto("/sign-in");
  await other.getByRole("link", { name: "Forgot your password?" }).click();
  await expect(other.getByRole("heading", { level: 1 })).toHaveText("Forgot your password?");
  await hydrated(other);
  await expectNoAxeViolations(other);
  const answer = "If an account uses that address, we emailed a link to choose a new password.";
  await other.getByLabel("Email address").fill(`nobody.${STAMP}@example.com`);
  await other.getByRole("button", { name: "Email me a link" }).click();
  await expect(other.getByText(answer)).toBeVisible();
  await other.getByLabel("Email address").fill(email);
  await other.getByRole("button", { name: "Email me a link" }).click();
  await expect(other.getByText(answer)).toBeVisible();

  const [reset] = await waitForMails(admin, since, email, "Choose a new password for VA Secure Messaging");
  expect((await mails(admin)).filter((m) => m.id > since && m.to === `nobody.${STAMP}@example.com`)).toEqual([]);
  await setPassword(other, new URL(reset.link), second);
  await signIn(other, email, second);
  await expect(other).toHaveURL("/inbox");

  // The first device was signed out; the link is spent.
  await person.goto("/inbox");
  await expect(person).toHaveURL(/\/sign-in/);
  await other.goto(new URL(reset.link).pathname + new URL(reset.link).search);
  await expect(other.getByText("This link doesn")).toBeVisible();
});

/** Opens an emailed set-password link (as a path on this site) and sets `password`. */
async function setPassword(page: Page, link: URL, password: string) {
  await page.goto(link.pathname + link.search);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Set your password");
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Confirm new password").fill(password);
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}
