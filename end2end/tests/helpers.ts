import { Browser, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export const PASSWORD = "demo-password-2026";

export const ACCOUNTS = [
  { email: "veteran@example.com", name: "Alex Rivera", home: "/inbox", heading: "Inbox" },
  { email: "veteran2@example.com", name: "Jordan Lee", home: "/inbox", heading: "Inbox" },
  { email: "caregiver@example.com", name: "Sam Rivera", home: "/inbox", heading: "Inbox" },
  { email: "clinician@example.com", name: "Dr. Morgan Patel", home: "/team", heading: "Team inbox" },
  { email: "nurse@example.com", name: "Casey Nguyen", home: "/team", heading: "Team inbox" },
  { email: "admin@example.com", name: "Riley Admin", home: "/admin", heading: "Administration" },
];

/** Fills the sign-in form the way a person does: by its labels. */
export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(password);
  // Returns once the server has answered the sign-in (and its cookie is set), so the test's
  // next `goto` cannot cut it short. The page may hold the post back a moment while a
  // passkey challenge is fetched, so the click alone does not start it.
  const answered = page.waitForResponse(
    (response) => response.request().method() === "POST" && new URL(response.url()).pathname === "/api/sign_in",
  );
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await answered;
}

/**
 * A care team member (`email`) answers the Veteran's conversation `subject` from the team
 * inbox, in a browser of their own: the Veteran then has an unread reply there. For a test
 * that needs an unread reply whatever the spec files before it have opened.
 */
export async function teamReplies(browser: Browser, email: string, subject: string, words: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto("/sign-in");
  await signIn(page, email);
  await expect(page).toHaveURL("/team");
  await openTeamThread(page, subject);
  await page.getByRole("textbox", { name: "Message" }).fill(words);
  await page.getByRole("button", { name: "Reply", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Your reply was sent." })).toBeVisible();
  await context.close();
}

/**
 * Opens a team conversation by searching the team inbox for its subject: the first page
 * lists 25, and conversations that wait on nobody sort after those that wait, so one
 * answered a moment ago can be past the first page once other specs have written.
 * `filter` is the inbox's filter (for example "completed").
 */
export async function openTeamThread(page: Page, subject: string, filter?: string) {
  const query = `q=${encodeURIComponent(subject)}`;
  await page.goto(filter ? `/team?filter=${filter}&${query}` : `/team?${query}`);
  await page.getByRole("link", { name: subject, exact: true }).first().click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(subject);
  await hydrated(page);
}

/** Waits until the wasm has hydrated the page (DESIGN.md §5). */
export async function hydrated(page: Page) {
  await expect(page.locator("body")).toHaveAttribute("data-hydrated", "true");
}

/** axe-core with the WCAG 2.x A and AA rules: no violations allowed. */
export async function expectNoAxeViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
  expect(summary, `axe violations on ${page.url()}`).toEqual([]);
}

/** True when the page scrolls sideways (it must not, even at 320 px). */
export async function scrollsSideways(page: Page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/** Collects console errors (a CSP violation shows up here) for the page's lifetime. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

/**
 * The administrator (signed in on `page`) invites a person from Users; answers the path of
 * the set-up link the demo's outbox holds for them, and leaves `page` on the person's page.
 */
export async function invite(page: Page, email: string, name: string, role: string): Promise<string> {
  const heading = page.getByRole("heading", { level: 1 });
  await page.goto("/admin/users");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Role").selectOption({ label: role });
  await page.getByRole("button", { name: "Invite" }).click();
  await expect(heading).toHaveText(name);
  await expect(page.getByText(`We emailed a set-up link to ${email}.`)).toBeVisible();
  // The link travels only by email, never on the administrator's page.
  expect(await page.content()).not.toContain("token=");
  const personPage = page.url();
  const link = await emailedLink(page, email, "Set up your VA Secure Messaging account");
  expect(link).toMatch(/^\/set-password\?token=[0-9a-f]{64}$/);
  await page.goto(personPage);
  await expect(heading).toHaveText(name);
  return link;
}

/** The invited person opens their set-up link and chooses `password`. */
export async function setPassword(page: Page, link: string, password: string) {
  await page.goto(link);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Set your password");
  await page.getByLabel("New password", { exact: true }).fill(password);
  await page.getByLabel("Confirm new password").fill(password);
  await page.getByRole("button", { name: "Set password" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

/**
 * The link in the newest email to `to` whose subject is `subject`, as the demo's `/demo/mail`
 * page shows it (the demo keeps its emails when no SMTP server is configured), as a path on
 * this site: the demo puts its own listening address in links, which behind a proxy is not
 * the address the browser uses.
 */
export async function emailedLink(page: Page, to: string, subject: string): Promise<string> {
  await page.goto("/demo/mail");
  await expect(page.getByText("This page exists only in the demo.")).toBeVisible();
  const email = page
    .getByRole("article")
    .filter({ has: page.getByRole("heading", { name: subject }) })
    .filter({ hasText: `To: ${to}` })
    .first();
  const href = await email.getByRole("link").first().getAttribute("href");
  expect(href).toBeTruthy();
  const url = new URL(href!);
  return url.pathname + url.search;
}
