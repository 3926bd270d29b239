/**
 * Idle RSS of each part: started in production settings, a few requests served, then left idle
 * for a moment; RSS read from /proc. The bare Express baseline is listed for reference.
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

/** Largest idle RSS a part may have (issue 8). */
export const idleRssBudgetMb = 120;

export async function idleRssLimits(settings: BenchSettings, log: (line: string) => void): Promise<LimitResult[]> {
  const suffix = randomBytes(4).toString('hex');
  const started: ServerProcess[] = [];
  const limits: LimitResult[] = [];
  const settle = settings.smoke ? 300 : 3000;
  const measure = async (title: string, server: ServerProcess, warm: string, reference = false): Promise<void> => {
    for (let index = 0; index < 20; index++) await fetch(warm).then((response) => response.arrayBuffer());
    await sleep(settle);
    const value = round(rssMb(server.pid), 1);
    limits.push({ id: `idle-rss-${server.name}`, title: `idle RSS: ${title}`, value, unit: 'MB', max: idleRssBudgetMb, verdict: reference ? 'reference' : value <= idleRssBudgetMb ? 'holds' : 'misses' });
    log(`  ${title}: ${value} MB`);
  };
  const failed = (title: string, error: unknown): void => {
    const note = error instanceof Error ? error.message : String(error);
    log(`  ${title}: error ${note}`);
    limits.push({ id: `idle-rss-${title}`, title: `idle RSS: ${title}`, value: 0, unit: 'MB', max: idleRssBudgetMb, verdict: 'error', note });
  };
  try {
    const db = await platformDatabase('idle-rss', 100);
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
    const bare = await startBareExpress(db);
    started.push(bare.process);
    await measure('bare Express 5 + node:sqlite', bare.process, `${bare.url}/api/platforms`, true);
  } catch (error) {
    failed('platform-service', error);
  } finally {
    for (const server of started.toReversed()) await server.stop();
    await deleteBenchTopology(settings.amqpUrl, suffix);
  }
  return limits;
}
