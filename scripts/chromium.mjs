// The browser the measuring scripts (page_weight.mjs, lighthouse.mjs) start: Debian's
// Chromium, never a downloaded browser, as in end2end/playwright.config.ts.
export const CHROME_PATH = process.env.CHROME_PATH ?? "/usr/bin/chromium";
export const CHROME_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
