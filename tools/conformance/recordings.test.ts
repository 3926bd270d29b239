import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPlatformServiceClient } from '@platform/gen/openapi/platform-service/client.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestService } from '../../platform-service/src/testing/service-fixture.ts';
import { loadContracts } from './contract.ts';
import setup from './global-setup.ts';
import { checkRecordings } from './recordings.ts';

const good = { contract: 'contracts/openapi/platform-service.yaml', by: 'service', method: 'GET', path: '/api/platforms', query: '', status: 200, headers: { 'x-request-id': 'a', 'content-type': 'application/json' }, body: '[]', bodyBytes: 2 };
const bad = { ...good, status: 418, body: '{}' };
const fixture = { ...good, contract: 'runtime/src/rest/gadgets.fixture.ts', status: 999 };

describe('the conformance check of a test run', () => {
  const folders: string[] = [];
  afterEach(async () => {
    for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
  });

  it('checks-every-recorded-answer-and-reports-each-undeclared-one', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'recordings-'));
    folders.push(folder);
    await writeFile(join(folder, '1.jsonl'), `${JSON.stringify(good)}\n${JSON.stringify(bad)}\n`);
    await writeFile(join(folder, '2.jsonl'), `${JSON.stringify(fixture)}\n${JSON.stringify(bad)}\n`);
    const report = await checkRecordings(folder, await loadContracts());
    expect(report).toMatchObject({ checked: 3, processes: 2, otherContracts: 1 });
    expect(report.violations).toEqual([
      { problem: 'contracts/openapi/platform-service.yaml: status 418 is not declared for listPlatforms (declared: 200, 400, 500)', example: 'service GET /api/platforms → 418 {}', count: 2 },
    ]);
  });

  it('fails-the-run-in-the-global-teardown-when-an-answer-is-undeclared', async () => {
    const saved = { dir: process.env.CONFORMANCE_RECORD_DIR, options: process.env.NODE_OPTIONS };
    try {
      const teardown = await setup();
      const folder = process.env.CONFORMANCE_RECORD_DIR!;
      expect(process.env.NODE_OPTIONS).toContain('tools/conformance/record-preload.mjs');
      await writeFile(join(folder, '7.jsonl'), `${JSON.stringify(bad)}\n`);
      await expect(teardown()).rejects.toThrow(/answers the contracts do not declare:\nresponse conformance: 1 answers .*: 1 undeclared\n {2}contracts\/openapi\/platform-service.yaml: status 418/);
    } finally {
      process.env.CONFORMANCE_RECORD_DIR = saved.dir;
      process.env.NODE_OPTIONS = saved.options;
    }
  });

  it('records-the-answers-of-a-service-running-in-this-test-worker', async () => {
    const folder = process.env.CONFORMANCE_RECORD_DIR;
    expect(folder, 'vitest.config.ts runs tools/conformance/global-setup.ts').toBeDefined();
    const service = await startTestService();
    try {
      await createPlatformServiceClient(service.restUrl).GET('/api/platforms', { headers: { 'x-request-id': 'conformance-wiring-probe' } });
    } finally {
      await service.stop();
    }
    const recorded = (await readFile(join(folder!, `${process.pid}.jsonl`), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as typeof good);
    expect(recorded).toContainEqual(expect.objectContaining({ contract: 'contracts/openapi/platform-service.yaml', by: 'service', method: 'GET', path: '/api/platforms', status: 200, headers: expect.objectContaining({ 'x-request-id': 'conformance-wiring-probe' }) }));
  });
});
