import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countTotals, formatTotals, type CountableModule } from './totals-reporter.ts';

function module(state: string, ...testStates: string[]): CountableModule {
  return { state: () => state, children: { allTests: () => testStates.map((s) => ({ result: () => ({ state: s }) })) } };
}

describe('formatTotals', () => {
  it('prints-passed-and-failed', () => {
    expect(formatTotals({ passed: 12, failed: 0, skipped: 0 })).toBe('12 passed, 0 failed');
  });

  it('appends-skipped-only-when-there-are-any', () => {
    expect(formatTotals({ passed: 3, failed: 1, skipped: 2 })).toBe('3 passed, 1 failed, 2 skipped');
  });
});

describe('countTotals', () => {
  it('counts-test-states-across-files', () => {
    const totals = countTotals([module('passed', 'passed', 'skipped'), module('failed', 'passed', 'failed')], 0, 'failed');
    expect(totals).toEqual({ passed: 2, failed: 1, skipped: 1, failedTests: 1, failedFiles: 0, unhandledErrors: 0, reason: 'failed' });
  });

  it('counts-a-file-that-broke-outside-any-test-as-a-failure', () => {
    expect(countTotals([module('failed')], 0, 'failed')).toMatchObject({ passed: 0, failed: 1, failedFiles: 1 });
  });

  it('counts-unhandled-errors-and-unfinished-tests-as-failures', () => {
    expect(countTotals([module('passed', 'passed', 'pending')], 2, 'interrupted')).toMatchObject({ passed: 1, failed: 3 });
  });
});

describe('totals reporter in a real vitest run', () => {
  it('prints-the-totals-line-alone-and-writes-the-json-file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'totals-'));
    try {
      const totalsFile = join(folder, 'nested', 'totals.json');
      const vitestCli = join(dirname(fileURLToPath(import.meta.resolve('vitest/package.json'))), 'vitest.mjs');
      const config = fileURLToPath(new URL('./fixtures/vitest.config.ts', import.meta.url));
      const reporter = fileURLToPath(new URL('./totals-reporter.ts', import.meta.url));
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
      const run = spawnSync(process.execPath, [vitestCli, 'run', '--config', config, '--reporter=dot', `--reporter=${reporter}`], {
        env: { ...env, VITEST_TOTALS_FILE: totalsFile, NO_COLOR: '1', CI: 'true' },
        encoding: 'utf8',
      });
      expect(run.status).toBe(1);
      expect(run.stdout.split('\n').map((line) => line.trim())).toContain('2 passed, 2 failed, 2 skipped');
      expect(JSON.parse(readFileSync(totalsFile, 'utf8'))).toMatchObject({ passed: 2, failed: 2, skipped: 2, failedTests: 1, failedFiles: 1, unhandledErrors: 0 });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
