/**
 * The vocabulary of the contract-compatibility gate: one `Change` per difference found between the
 * released baseline and the working contracts, and one `ContractReport` per contract document.
 */

import type { ReleaseManifest } from './release-manifest.ts';

/**
 * - `breaking`: an old consumer (or an old producer, for events received) stops working;
 * - `non-breaking`: additive or otherwise compatible;
 * - `note`: a change shown for review that this checker does not classify itself (edits of
 *   descriptions, or proto changes whose verdict belongs to `buf breaking`).
 */
export type Severity = 'breaking' | 'non-breaking' | 'note';

export interface Change {
  readonly severity: Severity;
  /** What changed, naming the field, operation, channel, ... (`response field Platform.cost removed`). */
  readonly message: string;
  /** Where the change is visible (`GET /api/platforms → 200 application/json`), when that adds something. */
  readonly sites: readonly string[];
}

export interface ContractReport {
  readonly kind: 'proto' | 'openapi' | 'asyncapi';
  /** Contract name: the document's file name without extension, or the proto module folder. */
  readonly name: string;
  /** The working contract, relative to the repository root. */
  readonly source: string;
  /** True when the working contract is byte-identical to the released one. */
  readonly unchanged: boolean;
  readonly changes: readonly Change[];
  /** Every edit of the document as a JSON pointer line (`~ /info/version: "1.0.0" → "1.1.0"`); none for proto. */
  readonly edits: readonly string[];
}

/** The outcome of `contracts:check`: the baseline compared with, one report per contract. */
export interface CheckResult {
  readonly baseline: ReleaseManifest;
  readonly reports: readonly ContractReport[];
  readonly breaking: number;
}

/** Collects changes, merging the sites of identical findings (a schema used by several operations). */
export interface ChangeSink {
  add(severity: Severity, message: string, site?: string): void;
  list(): Change[];
}

const order: Record<Severity, number> = { breaking: 0, 'non-breaking': 1, note: 2 };

export function createChangeSink(): ChangeSink {
  const changes = new Map<string, { severity: Severity; message: string; sites: string[] }>();
  return {
    add(severity, message, site) {
      const key = `${severity}\u0000${message}`;
      let change = changes.get(key);
      if (!change) changes.set(key, (change = { severity, message, sites: [] }));
      if (site !== undefined && !change.sites.includes(site)) change.sites.push(site);
    },
    list() {
      // Stable order: breaking first, then in the order found (which follows the documents).
      return [...changes.values()].toSorted((a, b) => order[a.severity] - order[b.severity]);
    },
  };
}

export function countBreaking(reports: readonly ContractReport[]): number {
  return reports.reduce((sum, report) => sum + report.changes.filter((change) => change.severity === 'breaking').length, 0);
}
