/**
 * Idle RSS of each part: started in production settings, a few requests served, then left idle
 * for a moment; RSS read from /proc. Budget (issue 18): each part at most 1.4 × the RSS of a bare
 * Express 5 + `node:sqlite` server measured the same way in the same run.
 */
import { randomBytes } from 'node:crypto';
import { freshDatabasePath, platformDatabase } from '../harness/fixtures.ts';
import { startBareExpress, startCommandsService, startGateway, startPlatformService } from '../harness/parts.ts';
import type { ServerProcess } from '../harness/processes.ts';
import { rssMb, sleep } from '../harness/processes.ts';
import type { LimitResult } from '../harness/report.ts';
import type { BenchSettings } from '../harness/scenario.ts';
import { round } from '../harness/stats.ts';
import { deleteBenchTopology } from './broker.ts';

/** Largest idle RSS of a part, as a multiple of bare Express 5 + node:sqlite in the same run (issue 18). */
export const idleRssBudgetFactor = 1.4;

export async function idleRssLimits(settings: BenchSettings, log: (line: string) => void): Promise<LimitResult[]> {
  const suffix = randomBytes(4).toString('hex');
  const started: ServerProcess[] = [];
  const measured: { title: string; id: string; value: number }[] = [];
  const failures: LimitResult[] = [];
  const settle = settings.smoke ? 300 : 3000;
  const measure = async (title: string, server: ServerProcess, warm: string): Promise<void> => {
    for (let index = 0; index < 20; index++) await fetch(warm).then((response) => response.arrayBuffer());
    await sleep(settle);
    const value = round(rssMb(server.pid), 1);
    measured.push({ title, id: `idle-rss-${server.name}`, value });
    log(`  ${title}: ${value} MB`);
  };
  const failed = (title: string, error: unknown): void => {
    const note = error instanceof Error ? error.message : String(error);
    log(`  ${title}: error ${note}`);
    failures.push({ id: `idle-rss-${title}`, title: `idle RSS: ${title}`, value: 0, unit: 'MB', max: 0, verdict: 'error', note });
  };
  let bare = 0;
  try {
    const db = await platformDatabase('idle-rss', 100);
    // The reference first, alone, so the budget of every part comes from this run.
    const reference = await startBareExpress(db);
    started.push(reference.process);
    await measure('bare Express 5 + node:sqlite', reference.process, `${reference.url}/api/platforms`);
    bare = measured[0]?.value ?? 0;
    await reference.process.stop();
    const service = await startPlatformService(db, { env: { AMQP_URL: settings.amqpUrl, AMQP_EXCHANGE: `bench.platform.events.${suffix}` } });
    started.push(service.process);
    await measure('platform-service', service.process, `${service.restUrl}/api/platforms`);
    try {
      const gateway = await startGateway(service.restUrl);
      started.push(gateway.process);
      await measure('gateway', gateway.process, `${gateway.url}/api/platforms`);
    } catch (error) {
      failed('gateway', error);
    }
    try {
      const commands = await startCommandsService(freshDatabasePath('idle-rss-commands'), service.grpcUrl, suffix, { amqpUrl: settings.amqpUrl });
      started.push(commands.process);
      await measure('commands-service', commands.process, `${commands.url}/api/c/platforms`);
    } catch (error) {
      failed('commands-service', error);
    }
  } catch (error) {
    failed(bare === 0 ? 'bare Express 5 + node:sqlite' : 'platform-service', error);
  } finally {
    for (const server of started.toReversed()) await server.stop();
    await deleteBenchTopology(settings.amqpUrl, suffix);
  }
  const max = round(bare * idleRssBudgetFactor, 1);
  const limits: LimitResult[] = measured.map(({ title, id, value }, index) =>
    index === 0
      ? { id, title: `idle RSS: ${title}`, value, unit: 'MB', max: 0, verdict: 'reference' }
      : { id, title: `idle RSS: ${title}`, value, unit: 'MB', max, budgetText: `≤ ${idleRssBudgetFactor} × bare = ${max} MB`, verdict: bare > 0 && value <= max ? 'holds' : 'misses' },
  );
  return [...limits, ...failures];
}
