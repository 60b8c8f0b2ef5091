import type { Reporter, TestCase, TestResult } from "@playwright/test/reporter";
import { readFileSync } from "node:fs";

// CI keeps only what the run prints, not test-results/. For a failed test this prints the
// page as Playwright last saw it (its address and accessibility snapshot), so a failure
// says whether the page was an error, a different page, or the right page still loading.
const LIMIT = 4000;

export default class FailureContext implements Reporter {
  onTestEnd(test: TestCase, result: TestResult) {
    if (result.status === "passed" || result.status === "skipped") return;
    for (const attachment of result.attachments) {
      if (attachment.name !== "error-context") continue;
      const text = attachment.body?.toString("utf8") ?? (attachment.path ? readFileSync(attachment.path, "utf8") : "");
      const shown = text.length > LIMIT ? `${text.slice(0, LIMIT)}\n…` : text;
      console.log(`\n── page when "${test.title}" failed ──\n${shown}\n──`);
    }
  }
}
