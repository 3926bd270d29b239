/**
 * Vitest global setup: every answer the parts give during the test run is recorded (record.ts,
 * preloaded into each test worker and every Node process a test starts with the inherited
 * environment), and when the run ends each is checked against its contract. One undeclared
 * status, header or body fails the run, naming it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadContracts } from './contract.ts';
import { checkRecordings, describeReport } from './recordings.ts';

// A plain-JavaScript preload that loads record.ts only where Node can strip its types.
const preload = fileURLToPath(new URL('./record-preload.mjs', import.meta.url));

export default async function setup(): Promise<() => Promise<void>> {
  const folder = await mkdtemp(join(tmpdir(), 'conformance-'));
  process.env.CONFORMANCE_RECORD_DIR = folder;
  process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--import=${preload}`].filter(Boolean).join(' ');
  return async () => {
    try {
      const report = await checkRecordings(folder, await loadContracts());
      const text = describeReport(report);
      if (report.violations.length > 0) throw new Error(`answers the contracts do not declare:\n${text}`);
      console.info(text);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  };
}
