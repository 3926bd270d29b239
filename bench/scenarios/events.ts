/**
 * Events end to end: POST /api/platforms → row + outbox → relay → RabbitMQ → commands-service
 * consumer → its platform row, against raw amqplib publish-and-consume with the same confirm
 * and ack settings (bench/servers/raw-amqp.ts). Each round sends a burst of events as fast as
 * each side takes them; throughput is events / (first send → last arrival), delay is per event
 * (ours: platform created_at → row seen in commands-service's database, polled every 2 ms;
 * baseline: publish → consume). Lost events are counted, never tolerated silently.
 */
import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { freshDatabasePath, newPlatform, platformDatabase } from '../harness/fixtures.ts';
import { benchIssuer } from '../harness/issuer.ts';
import { httpLoad } from '../harness/load-http.ts';
import { startCommandsService, startPlatformService } from '../harness/parts.ts';
import { sleep, startNode } from '../harness/processes.ts';
import type { ServerProcess } from '../harness/processes.ts';
import type { Contender, RatioScenario } from '../harness/scenario.ts';
import { percentile } from '../harness/stats.ts';
import { deleteBenchTopology } from './broker.ts';
import { profileFlags } from './rest.ts';

/** Longest wait for the last event of a round once sending ended. */
const settleTimeoutMs = 60_000;

interface RawReply {
  readonly run: string;
  readonly ready?: boolean;
  readonly published?: number;
  readonly startedAt?: number;
  readonly received?: number;
  readonly delays?: readonly number[];
  readonly lastAt?: number;
}

function reply(server: ServerProcess, predicate: (message: RawReply) => boolean, timeoutMs: number): Promise<RawReply | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.child.off('message', listener);
      resolve(undefined);
    }, timeoutMs);
    const listener = (message: RawReply): void => {
      if (!predicate(message)) return;
      clearTimeout(timer);
      server.child.off('message', listener);
      resolve(message);
    };
    server.child.on('message', listener);
  });
}

/** Ours: a burst of creates, then watch commands-service's rows arrive. */
function oursContender(platformDb: string, commandsDb: string, restUrl: string, pids: number[], events: number, connections: number): Contender {
  const platforms = new DatabaseSync(platformDb, { readOnly: true });
  const commands = new DatabaseSync(commandsDb, { readOnly: true });
  const maxCreated = platforms.prepare('select coalesce(max(id), 0) as id from platforms');
  const created = platforms.prepare('select id, created_at as createdAt from platforms where id > ? order by id');
  const arrivedAfter = commands.prepare('select external_id as id from platforms where external_id > ? order by external_id');
  return {
    name: 'POST → outbox → RabbitMQ → commands-service',
    pids,
    async measure() {
      const firstId = Number((maxCreated.get() as { id: number }).id);
      const arrivals = new Map<number, number>();
      let lastSeen = firstId;
      let sending = true;
      let expected = Number.POSITIVE_INFINITY;
      let sendEnded = Number.POSITIVE_INFINITY;
      const deadline = (): number => (sending ? Number.POSITIVE_INFINITY : sendEnded + settleTimeoutMs);
      const poll = (async () => {
        while (arrivals.size < expected && Date.now() < deadline()) {
          const now = Date.now();
          for (const row of arrivedAfter.all(lastSeen) as { id: number }[]) {
            arrivals.set(row.id, now);
            lastSeen = Math.max(lastSeen, row.id);
          }
          await sleep(2);
        }
      })();
      const startedAt = Date.now();
      const load = await httpLoad({
        url: `${restUrl}/api/platforms`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: (await benchIssuer()).authorization },
        body: JSON.stringify(newPlatform),
        connections,
        amount: events,
      });
      sendEnded = Date.now();
      const rows = created.all(firstId) as { id: number; createdAt: number }[];
      expected = rows.length;
      sending = false;
      await poll;
      const delays = rows.flatMap((row) => (arrivals.has(row.id) ? [arrivals.get(row.id)! - Number(row.createdAt)] : [])).toSorted((a, b) => a - b);
      const lastAt = Math.max(startedAt, ...arrivals.values());
      const wallSeconds = (lastAt - startedAt) / 1000;
      const lost = rows.length - delays.length;
      return {
        rps: wallSeconds > 0 ? delays.length / wallSeconds : 0,
        ok: delays.length,
        failed: lost + load.failed,
        p50Ms: percentile(delays, 50),
        p99Ms: percentile(delays, 99),
        wallSeconds,
        extra: { lost, created: rows.length, postsPerSecond: Math.round(load.rps) },
      };
    },
  };
}

/** Baseline: the raw publisher and consumer processes, driven over IPC. */
function baselineContender(publisher: ServerProcess, consumer: ServerProcess, events: number): Contender {
  let runs = 0;
  return {
    name: 'raw amqplib publish → consume',
    pids: [publisher.pid, consumer.pid],
    async measure() {
      const run = `run-${++runs}`;
      const received = reply(consumer, (m) => m.run === run && m.received !== undefined, settleTimeoutMs * 2);
      consumer.child.send({ run, count: events });
      await sleep(50);
      const published = reply(publisher, (m) => m.run === run && m.published !== undefined, settleTimeoutMs * 2);
      publisher.child.send({ run, count: events });
      const sent = await published;
      let done = await received;
      if (done === undefined) {
        const report = reply(consumer, (m) => m.run === run && m.received !== undefined, 5000);
        consumer.child.send({ run, report: true });
        done = await report;
      }
      const startedAt = sent?.startedAt ?? Date.now();
      const delays = (done?.delays ?? []).toSorted((a, b) => a - b);
      const wallSeconds = ((done?.lastAt ?? startedAt) - startedAt) / 1000;
      const lost = events - delays.length;
      return {
        rps: wallSeconds > 0 ? delays.length / wallSeconds : 0,
        ok: delays.length,
        failed: lost,
        p50Ms: percentile(delays, 50),
        p99Ms: percentile(delays, 99),
        wallSeconds,
        extra: { lost, created: sent?.published ?? 0 },
      };
    },
  };
}

export const eventsScenario: RatioScenario = {
  id: 'events',
  title: 'events end to end (create → outbox → RabbitMQ → consumer → row) vs raw amqplib',
  unit: 'event',
  budget: 0.5,
  async setup(settings) {
    const suffix = randomBytes(4).toString('hex');
    const started: ServerProcess[] = [];
    const stop = async (): Promise<void> => {
      for (const server of started.toReversed()) await server.stop();
      await deleteBenchTopology(settings.amqpUrl, suffix);
    };
    try {
      const platformDb = await platformDatabase('events-platforms', 0);
      const commandsDb = freshDatabasePath('events-commands');
      const service = await startPlatformService(platformDb, {
        ...profileFlags(settings, 'platform-service-events'),
        env: { AMQP_URL: settings.amqpUrl, AMQP_EXCHANGE: `bench.platform.events.${suffix}` },
      });
      started.push(service.process);
      const commands = await startCommandsService(commandsDb, service.grpcUrl, suffix, { amqpUrl: settings.amqpUrl, ...profileFlags(settings, 'commands-service-events') });
      started.push(commands.process);
      const raw = (role: string): ServerProcess => startNode({ name: `raw-amqp-${role}`, script: 'bench/servers/raw-amqp.ts', args: [role, settings.amqpUrl, suffix], ipc: true });
      const consumer = raw('consumer');
      started.push(consumer);
      if ((await reply(consumer, (m) => m.ready === true, 15_000)) === undefined) throw new Error(`cannot start the raw consumer\n${consumer.tail()}`);
      const publisher = raw('publisher');
      started.push(publisher);
      if ((await reply(publisher, (m) => m.ready === true, 15_000)) === undefined) throw new Error(`cannot start the raw publisher\n${publisher.tail()}`);
      return {
        ours: oursContender(platformDb, commandsDb, service.restUrl, [service.process.pid, commands.process.pid], settings.events, settings.connections),
        baseline: baselineContender(publisher, consumer, settings.events),
        stop,
      };
    } catch (error) {
      await stop();
      throw error;
    }
  },
};
