/**
 * What a scenario is and how its rounds run: our part and its baseline, each in its own
 * processes, loaded one at a time from a load generator in another process, alternating who
 * goes first over the rounds. Server CPU comes from /proc for every process of a competitor.
 */
import { cpuMicros, rssMb } from './processes.ts';
import type { LoadResult } from './load-http.ts';
import { median, round } from './stats.ts';

export interface BenchSettings {
  readonly smoke: boolean;
  readonly rounds: number;
  /** Seconds of each measured load run. */
  readonly durationSeconds: number;
  /** Seconds of the unmeasured warm-up run of each competitor. */
  readonly warmupSeconds: number;
  /** HTTP connections / gRPC clients of the load generator. */
  readonly connections: number;
  /** Rows of the large catalogue (stream and sync scenarios). */
  readonly largeCatalogue: number;
  /** Events per round of the events scenario (already in the outbox when the round starts). */
  readonly events: number;
  /** Where `--cpu-prof` profiles go when profiling is on, else undefined. */
  readonly profileDir: string | undefined;
  readonly amqpUrl: string;
}

/** One competitor, started: what to load, which processes to charge, and its own load run. */
export interface Contender {
  readonly name: string;
  /** Processes whose CPU and RSS count for this contender. */
  readonly pids: readonly number[];
  /**
   * One load run; the result's `ok` is the number of operations the CPU is divided by. A
   * contender whose processes live only during the run reports their CPU and RSS itself.
   */
  measure(durationSeconds: number): Promise<LoadResult & { readonly extra?: Readonly<Record<string, number>>; readonly cpuMicros?: number; readonly rssMb?: number }>;
}

export interface RatioScenario {
  readonly id: string;
  readonly title: string;
  /** What one operation is: `req`, `call`, `event`, `row`. */
  readonly unit: string;
  /** Lowest acceptable ratio ours/baseline of operations per second (with `compare: 'p99'`: baseline p99 / ours p99). */
  readonly budget: number;
  /**
   * What the ratio compares. `throughput` (default): operations per second, ours / baseline.
   * `p99`: the p99 latency, baseline / ours, so a budget of 0.5 reads "ours at most 2 × the baseline's p99".
   */
  readonly compare?: 'throughput' | 'p99';
  /** The budget as the issue words it, for the report (default `≥ <budget>`). */
  readonly budgetText?: string;
  /** Run each contender once, unmeasured, before the rounds. Default true. */
  readonly warmup?: boolean;
  /** Starts both contenders (and anything they share); `stop` releases everything. */
  setup(settings: BenchSettings): Promise<{ readonly ours: Contender; readonly baseline: Contender; stop(): Promise<void> }>;
}

export interface Measurement {
  readonly opsPerSecond: number;
  readonly ok: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Server CPU time per operation, all processes of the contender, in µs. */
  readonly cpuMicrosPerOp: number;
  /** Server CPU use during the run, in % of one core. */
  readonly cpuPercent: number;
  /** RSS of the contender's processes after the run, in MB. */
  readonly rssMb: number;
  readonly extra?: Readonly<Record<string, number>>;
}

export interface RoundResult {
  readonly round: number;
  /** Who ran first in this round. */
  readonly first: 'ours' | 'baseline';
  readonly ours: Measurement;
  readonly baseline: Measurement;
  /** ours.opsPerSecond / baseline.opsPerSecond (`compare: 'p99'`: baseline.p99Ms / ours.p99Ms). */
  readonly ratio: number;
  /**
   * baseline.cpuMicrosPerOp / ours.cpuMicrosPerOp: the same comparison by server CPU per
   * operation, which a busy shared machine disturbs less than throughput.
   */
  readonly cpuRatio: number;
}

export interface ScenarioResult {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  readonly ours: string;
  readonly baseline: string;
  readonly budget: number;
  readonly compare?: 'throughput' | 'p99';
  readonly budgetText?: string;
  readonly rounds: readonly RoundResult[];
  readonly median: { readonly ours: Measurement; readonly baseline: Measurement; readonly ratio: number; readonly cpuRatio: number };
  readonly verdict: 'holds' | 'misses' | 'error' | 'skipped';
  /** Why the scenario was skipped or failed. */
  readonly note?: string;
}

async function measure(contender: Contender, durationSeconds: number): Promise<Measurement> {
  const cpuBefore = contender.pids.reduce((sum, pid) => sum + cpuMicros(pid), 0);
  const result = await contender.measure(durationSeconds);
  const cpu = result.cpuMicros ?? contender.pids.reduce((sum, pid) => sum + cpuMicros(pid), 0) - cpuBefore;
  return {
    opsPerSecond: round(result.rps, 1),
    ok: result.ok,
    failed: result.failed,
    p50Ms: round(result.p50Ms, 2),
    p99Ms: round(result.p99Ms, 2),
    cpuMicrosPerOp: result.ok > 0 ? round(cpu / result.ok, 1) : 0,
    cpuPercent: result.wallSeconds > 0 ? round((cpu / (result.wallSeconds * 1_000_000)) * 100, 1) : 0,
    rssMb: round(result.rssMb ?? contender.pids.reduce((sum, pid) => sum + rssMb(pid), 0), 1),
    ...(result.extra ? { extra: result.extra } : {}),
  };
}

/** The per-field median of several measurements. */
export function medianOf(measurements: readonly Measurement[]): Measurement {
  const of = (pick: (m: Measurement) => number): number => round(median(measurements.map(pick)), 2);
  const extraKeys = [...new Set(measurements.flatMap((m) => Object.keys(m.extra ?? {})))];
  return {
    opsPerSecond: of((m) => m.opsPerSecond),
    ok: of((m) => m.ok),
    failed: of((m) => m.failed),
    p50Ms: of((m) => m.p50Ms),
    p99Ms: of((m) => m.p99Ms),
    cpuMicrosPerOp: of((m) => m.cpuMicrosPerOp),
    cpuPercent: of((m) => m.cpuPercent),
    rssMb: of((m) => m.rssMb),
    ...(extraKeys.length > 0 ? { extra: Object.fromEntries(extraKeys.map((key) => [key, of((m) => m.extra?.[key] ?? 0)])) } : {}),
  };
}

const empty: Measurement = { opsPerSecond: 0, ok: 0, failed: 0, p50Ms: 0, p99Ms: 0, cpuMicrosPerOp: 0, cpuPercent: 0, rssMb: 0 };

/** Runs a scenario: set-up, one warm-up run each, then the rounds, alternating who goes first. */
export async function runScenario(scenario: RatioScenario, settings: BenchSettings, log: (line: string) => void): Promise<ScenarioResult> {
  const base = {
    id: scenario.id,
    title: scenario.title,
    unit: scenario.unit,
    budget: scenario.budget,
    ...(scenario.compare ? { compare: scenario.compare } : {}),
    ...(scenario.budgetText ? { budgetText: scenario.budgetText } : {}),
  };
  const started = await scenario.setup(settings);
  const { ours, baseline } = started;
  try {
    if (settings.warmupSeconds > 0 && scenario.warmup !== false) {
      await ours.measure(settings.warmupSeconds);
      await baseline.measure(settings.warmupSeconds);
    }
    const rounds: RoundResult[] = [];
    for (let index = 0; index < settings.rounds; index++) {
      const first = index % 2 === 0 ? 'ours' : 'baseline';
      const order = first === 'ours' ? [ours, baseline] : [baseline, ours];
      const [a, b] = [await measure(order[0]!, settings.durationSeconds), await measure(order[1]!, settings.durationSeconds)];
      const [oursResult, baselineResult] = first === 'ours' ? [a, b] : [b, a];
      const ratio = scenario.compare === 'p99'
        ? oursResult.p99Ms > 0 ? round(baselineResult.p99Ms / oursResult.p99Ms, 3) : 0
        : baselineResult.opsPerSecond > 0 ? round(oursResult.opsPerSecond / baselineResult.opsPerSecond, 3) : 0;
      const cpuRatio = oursResult.cpuMicrosPerOp > 0 ? round(baselineResult.cpuMicrosPerOp / oursResult.cpuMicrosPerOp, 3) : 0;
      rounds.push({ round: index + 1, first, ours: oursResult, baseline: baselineResult, ratio, cpuRatio });
      const figures = scenario.compare === 'p99' ? `p99 ours ${oursResult.p99Ms} ms, baseline ${baselineResult.p99Ms} ms` : `ours ${oursResult.opsPerSecond} ${scenario.unit}/s, baseline ${baselineResult.opsPerSecond} ${scenario.unit}/s`;
      log(`  round ${index + 1}: ${figures}, ratio ${ratio}, CPU ratio ${cpuRatio}`);
    }
    const ratio = round(median(rounds.map((r) => r.ratio)), 3);
    return {
      ...base,
      ours: ours.name,
      baseline: baseline.name,
      rounds,
      median: {
        ours: medianOf(rounds.map((r) => r.ours)),
        baseline: medianOf(rounds.map((r) => r.baseline)),
        ratio,
        cpuRatio: round(median(rounds.map((r) => r.cpuRatio)), 3),
      },
      verdict: ratio >= scenario.budget ? 'holds' : 'misses',
    };
  } finally {
    await started.stop();
  }
}

/** The result of a scenario that could not run. */
export function unranScenario(scenario: Pick<RatioScenario, 'id' | 'title' | 'unit' | 'budget' | 'budgetText'>, verdict: 'error' | 'skipped', note: string): ScenarioResult {
  return {
    id: scenario.id,
    title: scenario.title,
    unit: scenario.unit,
    budget: scenario.budget,
    ...(scenario.budgetText ? { budgetText: scenario.budgetText } : {}),
    ours: '',
    baseline: '',
    rounds: [],
    median: { ours: empty, baseline: empty, ratio: 0, cpuRatio: 0 },
    verdict,
    note,
  };
}
