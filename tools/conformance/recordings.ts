/**
 * Reads what the test run recorded (record.ts) and checks every answer against its contract.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObservedExchange } from '@platform/runtime/rest';
import { checkExchange } from './check-exchange.ts';
import type { Contract } from './contract.ts';

export interface ConformanceReport {
  /** Answers checked against one of the contracts. */
  readonly checked: number;
  /** Processes that recorded answers. */
  readonly processes: number;
  /** Answers of contracts that are not in contracts/openapi/ (the runtime's own test fixtures). */
  readonly otherContracts: number;
  /** Answers whose body was too long to keep: status and headers checked, the body not. */
  readonly bodiesNotKept: number;
  /** Each distinct violation, with one answer that shows it and how many answers did. */
  readonly violations: readonly { readonly problem: string; readonly example: string; readonly count: number }[];
}

/** Checks every recorded answer in `folder` against `contracts`. */
export async function checkRecordings(folder: string, contracts: ReadonlyMap<string, Contract>): Promise<ConformanceReport> {
  const files = (await readdir(folder)).filter((name) => name.endsWith('.jsonl'));
  const violations = new Map<string, { problem: string; example: string; count: number }>();
  let checked = 0;
  let otherContracts = 0;
  let bodiesNotKept = 0;
  for (const file of files) {
    const lines = (await readFile(join(folder, file), 'utf8')).split('\n').filter((line) => line !== '');
    for (const line of lines) {
      const exchange = JSON.parse(line) as ObservedExchange;
      const contract = contracts.get(exchange.contract);
      if (contract === undefined) {
        otherContracts++;
        continue;
      }
      checked++;
      if (exchange.body === undefined) bodiesNotKept++;
      for (const problem of checkExchange(exchange, contract)) {
        const key = `${exchange.contract}: ${problem}`;
        const seen = violations.get(key);
        if (seen) seen.count++;
        else violations.set(key, { problem: key, example: `${exchange.by} ${exchange.method} ${exchange.path}${exchange.query ? `?${exchange.query}` : ''} → ${exchange.status} ${(exchange.body ?? '').slice(0, 300)}`, count: 1 });
      }
    }
  }
  return { checked, processes: files.length, otherContracts, bodiesNotKept, violations: [...violations.values()] };
}

/** The report as lines for people. */
export function describeReport(report: ConformanceReport): string {
  const head = `response conformance: ${report.checked} answers from ${report.processes} processes checked against contracts/openapi/ (${report.otherContracts} of test-only contracts not checked, ${report.bodiesNotKept} bodies too long to keep): ${report.violations.length} undeclared`;
  return [head, ...report.violations.map((v) => `  ${v.problem} (${v.count}x), e.g. ${v.example}`)].join('\n');
}
