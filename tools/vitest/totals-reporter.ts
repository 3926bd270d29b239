/**
 * Vitest reporter that ends a run with one line alone, `N passed, N failed` (`, N skipped`
 * appended when there are any): CI reads that line to learn how many tests ran. It also writes
 * the counts as JSON to the file named by VITEST_TOTALS_FILE (or the `outputFile` option).
 *
 * "failed" counts failed tests, plus each test file that failed outside any test (import or
 * hook error), plus each unhandled error: a run that broke must never read as green.
 * Use next to the default reporter: `reporters: ['default', './tools/vitest/totals-reporter.ts']`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Reporter, SerializedError, TestModule, TestRunEndReason, Vitest } from 'vitest/node';

export interface Totals {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Failed tests alone (without broken files or unhandled errors). */
  readonly failedTests: number;
  /** Test files that failed outside any test. */
  readonly failedFiles: number;
  readonly unhandledErrors: number;
  readonly reason: TestRunEndReason;
}

/** The part of a Vitest TestModule the count needs (lets tests pass plain objects). */
export interface CountableModule {
  state(): string;
  readonly children: { allTests(): Iterable<{ result(): { readonly state: string } }> };
}

export function countTotals(modules: readonly CountableModule[], unhandledErrors: number, reason: TestRunEndReason): Totals {
  let passed = 0;
  let failedTests = 0;
  let skipped = 0;
  let failedFiles = 0;
  for (const module of modules) {
    let failedHere = 0;
    for (const test of module.children.allTests()) {
      const { state } = test.result();
      if (state === 'passed') passed++;
      else if (state === 'skipped') skipped++;
      else failedHere++; // failed, or still pending when the run ended: not a pass either way
    }
    failedTests += failedHere;
    if (failedHere === 0 && module.state() === 'failed') failedFiles++;
  }
  return { passed, failed: failedTests + failedFiles + unhandledErrors, skipped, failedTests, failedFiles, unhandledErrors, reason };
}

/** `N passed, N failed`, with `, N skipped` when any were skipped. */
export function formatTotals(totals: Pick<Totals, 'passed' | 'failed' | 'skipped'>): string {
  const line = `${totals.passed} passed, ${totals.failed} failed`;
  return totals.skipped > 0 ? `${line}, ${totals.skipped} skipped` : line;
}

export interface TotalsReporterOptions {
  /** Where to write the JSON counts. Default: the VITEST_TOTALS_FILE environment variable, else nowhere. */
  readonly outputFile?: string;
}

export default class TotalsReporter implements Reporter {
  readonly #outputFile: string | undefined;
  #vitest: Vitest | undefined;

  constructor(options: TotalsReporterOptions = {}) {
    this.#outputFile = options.outputFile ?? (process.env.VITEST_TOTALS_FILE || undefined);
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const totals = countTotals(testModules, unhandledErrors.length, reason);
    if (this.#outputFile !== undefined) {
      const path = resolve(this.#outputFile);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, `${JSON.stringify(totals)}\n`);
    }
    const line = formatTotals(totals);
    if (this.#vitest) this.#vitest.logger.log(line);
    else process.stdout.write(`${line}\n`);
  }
}
