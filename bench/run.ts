/**
 * `npm run bench` — every scenario, our part against its baseline, 3 alternating rounds; writes
 * bench/results/<time>.{md,json} and latest.{md,json}, prints the table.
 *
 * Flags: `--smoke` (seconds-long runs so the code cannot rot; figures meaningless),
 * `--only=rest,grpc` (scenario ids starting with any of these), `--profile` (CPU profiles of our
 * processes into bench/results/profiles/), `--rounds=N`, `--duration=S`, `--out=DIR`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resultsDir } from './harness/fixtures.ts';
import { h2loadMissing, hasH2load } from './harness/load-grpc.ts';
import { cores, hasTaskset, pinSelf } from './harness/processes.ts';
import { machine, toMarkdown } from './harness/report.ts';
import type { BenchReport, LimitResult } from './harness/report.ts';
import { runScenario, unranScenario } from './harness/scenario.ts';
import type { BenchSettings, RatioScenario, ScenarioResult } from './harness/scenario.ts';
import { eventsDelayScenario, eventsScenario } from './scenarios/events.ts';
import { grpcScenarios } from './scenarios/grpc.ts';
import { idleRssLimits } from './scenarios/idle-rss.ts';
import { observabilityScenarios } from './scenarios/observability.ts';
import { gatewayScenarios, noiseScenario, restScenarios } from './scenarios/rest.ts';
import { syncRssGrowthBudgetMb, syncScenario } from './scenarios/sync.ts';
import { stopBenchIssuer } from './harness/issuer.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    out: { type: 'string' },
  },
  allowPositionals: false,
});

const smoke = values.smoke ?? false;
const outDir = values.out ?? resultsDir;
const startedAt = new Date();
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const settings: BenchSettings = {
  smoke,
  rounds: Number(values.rounds ?? (smoke ? 2 : 3)),
  durationSeconds: Number(values.duration ?? (smoke ? 1 : 5)),
  warmupSeconds: smoke ? 0 : 2,
  connections: smoke ? 4 : 16,
  largeCatalogue: smoke ? 2000 : 100_000,
  events: smoke ? 200 : 20_000,
  profileDir: values.profile ? join(outDir, 'profiles', stamp) : undefined,
  amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
};
if (!Number.isInteger(settings.rounds) || settings.rounds < 1) throw new Error('cannot run the bench: --rounds must be a positive integer');
if (!Number.isInteger(settings.durationSeconds) || settings.durationSeconds < 1) throw new Error('cannot run the bench: --duration must be a positive integer of seconds');

pinSelf(cores.load);

const only = values.only?.split(',').map((prefix) => prefix.trim()).filter((prefix) => prefix !== '');
const selected = (id: string): boolean => only === undefined || only.some((prefix) => id.startsWith(prefix));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

const ratioScenarios: readonly RatioScenario[] = [...restScenarios, ...gatewayScenarios, ...grpcScenarios, eventsScenario, eventsDelayScenario, syncScenario, ...observabilityScenarios, noiseScenario];
const needsH2load = new Set(grpcScenarios.map((s) => s.id));

const scenarios: ScenarioResult[] = [];
for (const scenario of ratioScenarios.filter((s) => selected(s.id))) {
  log(`${scenario.id}: ${scenario.title}`);
  if (needsH2load.has(scenario.id) && !hasH2load) {
    log(`  skipped: ${h2loadMissing}`);
    scenarios.push(unranScenario(scenario, 'skipped', h2loadMissing));
    continue;
  }
  try {
    scenarios.push(await runScenario(scenario, settings, log));
  } catch (error) {
    log(`  error: ${error instanceof Error ? error.message : String(error)}`);
    scenarios.push(unranScenario(scenario, 'error', error instanceof Error ? error.message : String(error)));
  }
}

const limits: LimitResult[] = [];
const sync = scenarios.find((s) => s.id === syncScenario.id);
if (sync) {
  const growth = sync.median.ours.extra?.rssGrowthMb ?? 0;
  limits.push({
    id: 'sync-rss-growth',
    title: `RSS growth of commands-service during the start-up sync of ${settings.largeCatalogue} platforms (median)`,
    value: growth,
    unit: 'MB',
    max: syncRssGrowthBudgetMb,
    budgetText: `< ${syncRssGrowthBudgetMb} MB`,
    verdict: sync.verdict === 'error' || sync.verdict === 'skipped' ? sync.verdict : growth < syncRssGrowthBudgetMb ? 'holds' : 'misses',
  });
}
if (selected('idle-rss')) {
  log('idle-rss: RSS of each part after start-up, idle');
  limits.push(...(await idleRssLimits(settings, log)));
}

await stopBenchIssuer();

const report: BenchReport = {
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  smoke,
  machine: machine(hasTaskset, hasH2load),
  settings: { ...settings },
  scenarios,
  limits,
};
const markdown = toMarkdown(report);
mkdirSync(outDir, { recursive: true });
const name = smoke ? 'smoke' : stamp;
writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(outDir, `${name}.md`), markdown);
if (!smoke) {
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(outDir, 'latest.md'), markdown);
}
process.stdout.write(markdown);
log(`results: ${join(outDir, `${name}.md`)} and .json`);
