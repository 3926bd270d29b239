/**
 * Keeps the benchmark from rotting: runs `bench/run.ts --smoke` (seconds-long runs) and checks
 * the report's structure and that every scenario did real work. Never asserts a time or a ratio:
 * this machine is shared and its figures drift.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from './harness/report.ts';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
let report: BenchReport;
let markdown: string;
let stdout: string;

const isNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value);

describe('npm run bench -- --smoke', () => {
  beforeAll(async () => {
    ({ stdout } = await promisify(execFile)(process.execPath, ['bench/run.ts', '--smoke', `--out=${outDir}`], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 }));
    report = JSON.parse(readFileSync(join(outDir, 'smoke.json'), 'utf8')) as BenchReport;
    markdown = readFileSync(join(outDir, 'smoke.md'), 'utf8');
  }, 600_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('writes-the-markdown-table-it-prints', () => {
    expect(stdout).toBe(markdown);
    expect(markdown).toContain('| scenario | ours | baseline | ours /s | baseline /s | ratio per round | median ratio | budget |');
    expect(markdown).toContain('| limit | value | budget | verdict |');
    for (const scenario of report.scenarios) expect(markdown).toContain(scenario.title);
  });

  it('covers-every-scenario-of-the-budget', () => {
    const ids = report.scenarios.map((scenario) => scenario.id);
    expect(ids).toEqual([
      'rest-get-by-id',
      'rest-list',
      'rest-create',
      'rest-update',
      'rest-delete',
      'gateway-get-by-id',
      'gateway-list',
      'gateway-create',
      'grpc-get-all',
      'grpc-stream',
      'events',
      'events-delay',
      'sync',
      'observability-metrics-get-by-id',
      'observability-metrics-create',
      'observability-tracing-get-by-id',
      'observability-tracing-create',
      'aa-get-by-id',
    ]);
    expect(report.limits.map((limit) => limit.id)).toEqual(
      expect.arrayContaining(['sync-rss-growth', 'idle-rss-platform-service', 'idle-rss-gateway', 'idle-rss-commands-service']),
    );
  });

  it('skips-the-grpc-scenarios-only-without-h2load-and-says-why', () => {
    const skipped = report.scenarios.filter((scenario) => scenario.verdict === 'skipped').map((scenario) => ({ id: scenario.id, why: scenario.note?.includes('nghttp2-client') }));
    expect(skipped).toEqual(report.machine.h2load ? [] : [{ id: 'grpc-get-all', why: true }, { id: 'grpc-stream', why: true }]);
  });

  it('runs-each-scenario-in-alternating-rounds-with-non-zero-throughput-on-both-sides', () => {
    const ran = report.scenarios.filter((scenario) => scenario.verdict !== 'skipped');
    const summary = ran.map((scenario) => ({
      id: scenario.id,
      verdict: scenario.verdict,
      note: scenario.note,
      firsts: scenario.rounds.map((round) => round.first),
      bothDidWork: scenario.rounds.every((round) => [round.ours, round.baseline].every((side) => side.ok > 0 && side.opsPerSecond > 0)),
      allFigures: scenario.rounds.every(
        (round) => isNumber(round.ratio) && [round.ours, round.baseline].every((side) => [side.p50Ms, side.p99Ms, side.cpuMicrosPerOp, side.rssMb].every(isNumber)),
      ),
    }));
    expect(summary).toEqual(
      ran.map((scenario) => ({ id: scenario.id, verdict: expect.stringMatching(/^(holds|misses)$/), note: undefined, firsts: ['ours', 'baseline'], bothDidWork: true, allFigures: true })),
    );
  });

  it('loses-no-event-end-to-end', () => {
    const events = report.scenarios.filter((scenario) => scenario.id.startsWith('events'));
    expect(events.map((scenario) => scenario.id)).toEqual(['events', 'events-delay']);
    for (const round of events.flatMap((scenario) => scenario.rounds)) {
      expect(round.ours.extra?.lost).toBe(0);
      expect(round.baseline.extra?.lost).toBe(0);
    }
  });

  it('measures-the-idle-rss-of-every-part', () => {
    const summary = report.limits.map((limit) => ({ id: limit.id, verdict: limit.verdict, note: limit.note, measured: limit.value > 0 }));
    expect(summary).toEqual(report.limits.map((limit) => ({ id: limit.id, verdict: expect.stringMatching(/^(holds|misses|reference)$/), note: undefined, measured: true })));
  });
});
