/**
 * The benchmark report: one markdown table of ratios (ours / baseline, same run) and one of
 * absolute budgets (RSS), plus the raw JSON with every round.
 */
import { cpus, totalmem } from 'node:os';
import type { ScenarioResult } from './scenario.ts';

export interface LimitResult {
  readonly id: string;
  readonly title: string;
  readonly value: number;
  readonly unit: string;
  /** Largest acceptable value. */
  readonly max: number;
  /** The budget as the issue words it (default `≤ <max> <unit>`). */
  readonly budgetText?: string;
  /** `reference`: shown for comparison, no budget. */
  readonly verdict: 'holds' | 'misses' | 'error' | 'skipped' | 'reference';
  readonly note?: string;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly command: string;
  readonly smoke: boolean;
  readonly machine: { readonly cpu: string; readonly cores: number; readonly memoryGb: number; readonly node: string; readonly pinned: boolean; readonly h2load: boolean };
  readonly settings: Readonly<Record<string, unknown>>;
  readonly scenarios: readonly ScenarioResult[];
  readonly limits: readonly LimitResult[];
}

export function machine(pinned: boolean, h2load: boolean): BenchReport['machine'] {
  const list = cpus();
  return { cpu: list[0]?.model ?? 'unknown', cores: list.length, memoryGb: Math.round(totalmem() / 1024 ** 3), node: process.version, pinned, h2load };
}

const verdictMark = { holds: 'holds', misses: '**misses**', error: 'error', skipped: 'skipped', reference: 'reference' } as const;

const cell = (value: number): string => (value === 0 ? '–' : String(value));

/** The report as markdown: a ratio table, a limits table and notes. */
export function toMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const { machine: m } = report;
  lines.push(`Run ${report.startedAt} – \`${report.command}\`${report.smoke ? ' (smoke: seconds-long runs, not figures)' : ''}`);
  lines.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGb} GB, Node ${m.node}; ${m.pinned ? 'servers on core 1, load generator and the bench itself on core 0 (taskset)' : 'not pinned (no taskset)'}.`);
  lines.push('');
  lines.push('| scenario | ours | baseline | ours /s | baseline /s | ratio per round | median ratio | budget | p50 / p99 ms ours | p50 / p99 ms baseline | server CPU µs/op ours | baseline | CPU ratio | verdict |');
  lines.push('| --- | --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const s of report.scenarios) {
    if (s.verdict === 'error' || s.verdict === 'skipped') {
      lines.push(`| ${s.title} | | | | | | | ${s.budgetText ?? `≥ ${s.budget}`} | | | | | | ${s.verdict}: ${(s.note ?? '').split('\n')[0]} |`);
      continue;
    }
    const budget = s.budgetText ?? (s.budget > 0 ? `≥ ${s.budget}` : '–');
    const verdict = s.budget > 0 ? verdictMark[s.verdict] : 'no ratio budget';
    const o = s.median.ours;
    const b = s.median.baseline;
    lines.push(
      `| ${s.title} | ${s.ours} | ${s.baseline} | ${o.opsPerSecond} ${s.unit} | ${b.opsPerSecond} ${s.unit} | ${s.rounds.map((r) => r.ratio).join(', ')} | ${s.median.ratio} | ${budget} | ${cell(o.p50Ms)} / ${cell(o.p99Ms)} | ${cell(b.p50Ms)} / ${cell(b.p99Ms)} | ${cell(o.cpuMicrosPerOp)} | ${cell(b.cpuMicrosPerOp)} | ${cell(s.median.cpuRatio)} | ${verdict} |`,
    );
  }
  if (report.limits.length > 0) {
    lines.push('');
    lines.push('| limit | value | budget | verdict |');
    lines.push('| --- | ---: | ---: | --- |');
    for (const l of report.limits) {
      lines.push(`| ${l.title} | ${l.verdict === 'error' || l.verdict === 'skipped' ? '–' : `${l.value} ${l.unit}`} | ${l.verdict === 'reference' ? '–' : (l.budgetText ?? `≤ ${l.max} ${l.unit}`)} | ${verdictMark[l.verdict]}${l.note ? `: ${l.note.split('\n')[0]}` : ''} |`);
    }
  }
  const notes = report.scenarios.flatMap((s) => [...(s.note && s.verdict !== 'error' && s.verdict !== 'skipped' ? [`${s.id}: ${s.note}`] : []), ...extraNotes(s)]);
  if (notes.length > 0) {
    lines.push('');
    for (const note of notes) lines.push(`- ${note}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** Per-round extras worth a line: events lost, response bytes per call, rows per second. */
function extraNotes(s: ScenarioResult): string[] {
  const values = (side: 'ours' | 'baseline', key: string): string => s.rounds.map((r) => r[side].extra?.[key] ?? 0).join(', ');
  const has = (key: string): boolean => s.rounds.some((r) => r.ours.extra?.[key] !== undefined);
  const notes: string[] = [];
  if (has('lost')) notes.push(`${s.id}: events lost per round: ours ${values('ours', 'lost')}; baseline ${values('baseline', 'lost')}`);
  if (has('dataBytesPerCall')) notes.push(`${s.id}: response bytes per call: ours ${values('ours', 'dataBytesPerCall')}; baseline ${values('baseline', 'dataBytesPerCall')}`);
  if (has('rowsPerSecond')) notes.push(`${s.id}: rows/s (median): ours ${s.median.ours.extra?.rowsPerSecond ?? 0}; baseline ${s.median.baseline.extra?.rowsPerSecond ?? 0}`);
  if (has('rssGrowthMb')) notes.push(`${s.id}: RSS growth MB per round: ours ${values('ours', 'rssGrowthMb')}; baseline ${values('baseline', 'rssGrowthMb')}`);
  return notes;
}
