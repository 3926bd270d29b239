/** The human-readable report of `npm run contracts:check`: one block per contract, breaking changes first. */
import type { Change, CheckResult, ContractReport, Severity } from './change.ts';

const labels: Record<Severity, string> = { breaking: 'BREAKING', 'non-breaking': 'ok      ', note: 'note    ' };

export function formatReport(result: CheckResult): string {
  const { baseline } = result;
  const commit = baseline.commit ? `, commit ${baseline.commit.slice(0, 12)}` : '';
  const lines = [`Contracts compared with the released baseline ${baseline.version} (released ${baseline.date}${commit}).`, ''];
  for (const report of result.reports) {
    lines.push(...formatContract(report), '');
  }
  const breakingBy = result.reports
    .map((report) => [`${report.kind} ${report.name}`, report.changes.filter((change) => change.severity === 'breaking').length] as const)
    .filter(([, count]) => count > 0);
  if (result.breaking > 0) {
    lines.push(
      `FAILED: ${plural(result.breaking, 'breaking change')} (${breakingBy.map(([name, count]) => `${name}: ${count}`).join(', ')}).`,
      'Make the change additive (new optional fields, new operations; deprecate instead of removing), or, if the break',
      'is intended and every consumer is ready, release it as a new major version: npm run contracts:release -- <major>.0.0',
    );
  } else {
    const total = result.reports.reduce((sum, report) => sum + report.changes.length, 0);
    lines.push(total === 0 ? 'OK: the contracts equal the released baseline.' : `OK: no breaking change (${plural(total, 'change')} listed above).`);
  }
  return lines.join('\n');
}

export function formatContract(report: ContractReport): string[] {
  const title = `${report.kind} ${report.name} (${report.source})`;
  if (report.unchanged) return [`${title}: unchanged`];
  const counts = (['breaking', 'non-breaking', 'note'] as const)
    .map((severity) => [severity, report.changes.filter((change) => change.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => (severity === 'note' ? plural(count, 'note') : `${count} ${severity}`));
  const lines = [`${title}: ${counts.length > 0 ? counts.join(', ') : 'no classified change'}`];
  for (const change of report.changes) lines.push(...formatChange(change));
  if (report.edits.length > 0) {
    lines.push(`  document edits (${report.edits.length}):`);
    for (const edit of report.edits) lines.push(`    ${edit}`);
  }
  return lines;
}

function formatChange(change: Change): string[] {
  const lines = [`  ${labels[change.severity]}  ${change.message}`];
  if (change.sites.length > 0) lines.push(`            in ${change.sites.join('; ')}`);
  return lines;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
