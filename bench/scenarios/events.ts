/**
 * The event pipeline, ours (platform-service's outbox relay → RabbitMQ → commands-service's
 * consumer → its copy of the catalogue) against the same durable work written with raw amqplib
 * and `node:sqlite` (bench/servers/raw-amqp.ts: a relay over the same outbox table, persistent
 * messages, publisher confirms, rows marked sent; a consumer with manual acks after the same
 * version-conditional upsert). Both sides are observed the same way: the bench process polls the
 * consuming side's SQLite file every 2 ms and notes when each platform id appears.
 *
 * - `events`: N events already in the outbox (written in one transaction, as platform-service's
 *   writer stores them) → rows; throughput is events / (commit → last row).
 * - `events-delay`: creates paced at 300/s (ours: POST /api/platforms; raw: a transaction writing
 *   the platform and its outbox row); the p99 of each event's delay from its platform's
 *   `created_at` to its row, ours against the raw side's.
 *
 * Both relays poll an idle outbox every 100 ms (ours: OUTBOX_POLL_INTERVAL) and are woken at once
 * by their own commits; both use batches of 100 and a consumer prefetch of 10 (ours' defaults).
 * Lost events are counted, never tolerated silently.
 */
import { randomBytes } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { freshDatabasePath, newPlatform, platformDatabase } from '../harness/fixtures.ts';
import { benchIssuer } from '../harness/issuer.ts';
import { httpLoad } from '../harness/load-http.ts';
import { fillOutbox, outboxTemplate } from '../harness/outbox-fill.ts';
import type { OutboxTemplate } from '../harness/outbox-fill.ts';
import { builtServer, startCommandsService, startPlatformService } from '../harness/parts.ts';
import { sleep, startNode } from '../harness/processes.ts';
import type { ServerProcess } from '../harness/processes.ts';
import type { BenchSettings, Contender, RatioScenario } from '../harness/scenario.ts';
import { percentile } from '../harness/stats.ts';
import { deleteBenchTopology } from './broker.ts';
import { profileFlags } from './rest.ts';

/** Longest wait for the last event of a round once it was written. */
const settleTimeoutMs = 120_000;
/** Idle poll of both relays, in ms. */
const relayPollMs = 100;
/** Both sides' relay batch and consumer prefetch: ours' defaults (OUTBOX_BATCH_SIZE, AMQP_PREFETCH). */
const relayBatch = 100;
const consumerPrefetch = 10;
/** Creates per second of the delay scenario. */
export const pacedRate = 300;

interface RawReply {
  readonly run?: string;
  readonly ready?: boolean;
  readonly created?: number;
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

/** One side: where its platforms and outbox live, where its consumer writes, and its processes. */
interface Side {
  readonly sourceDb: string;
  readonly targetDb: string;
  readonly pids: number[];
  /** Paced creates for `seconds`; resolves when the last one was committed. */
  paced(rate: number, seconds: number): Promise<void>;
}

/**
 * Watches `targetDb` for platform ids above `afterId`, every 2 ms, until `expected()` ids arrived
 * or `settleTimeoutMs` after `writingDone()` resolved; returns each id's arrival time.
 */
async function watchArrivals(targetDb: string, afterId: number, writingDone: Promise<void>, expected: () => number): Promise<Map<number, number>> {
  const target = new DatabaseSync(targetDb, { readOnly: true });
  try {
    const arrivedAfter = target.prepare('select external_id as id from platforms where external_id > ? order by external_id');
    const arrivals = new Map<number, number>();
    let lastSeen = afterId;
    let deadline = Number.POSITIVE_INFINITY;
    void writingDone.then(() => (deadline = Date.now() + settleTimeoutMs));
    while (arrivals.size < expected() && Date.now() < deadline) {
      const now = Date.now();
      for (const row of arrivedAfter.all(lastSeen) as { id: number }[]) {
        arrivals.set(row.id, now);
        lastSeen = Math.max(lastSeen, row.id);
      }
      await sleep(2);
    }
    return arrivals;
  } finally {
    target.close();
  }
}

function maxId(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number((db.prepare('select coalesce(max(id), 0) as id from platforms').get() as { id: number }).id);
  } finally {
    db.close();
  }
}

function createdSince(path: string, afterId: number): { id: number; createdAt: number }[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare('select id, created_at as createdAt from platforms where id > ? order by id').all(afterId) as { id: number; createdAt: number }[];
  } finally {
    db.close();
  }
}

/** A round of N events already in the outbox. */
function drainContender(name: string, side: Side, events: number, template: OutboxTemplate): Contender {
  return {
    name,
    pids: side.pids,
    async measure() {
      const afterId = maxId(side.sourceDb);
      const written = Promise.withResolvers<void>();
      const watching = watchArrivals(side.targetDb, afterId, written.promise, () => events);
      const filled = fillOutbox(side.sourceDb, events, template);
      written.resolve();
      const arrivals = await watching;
      const delays = [...arrivals.values()].map((at) => at - filled.committedAt).toSorted((a, b) => a - b);
      const lastAt = Math.max(filled.committedAt, ...arrivals.values());
      const wallSeconds = (lastAt - filled.committedAt) / 1000;
      const lost = events - arrivals.size;
      return {
        rps: wallSeconds > 0 ? arrivals.size / wallSeconds : 0,
        ok: arrivals.size,
        failed: lost,
        p50Ms: percentile(delays, 50),
        p99Ms: percentile(delays, 99),
        wallSeconds,
        extra: { lost },
      };
    },
  };
}

/** A round of creates paced at `pacedRate` for the round's duration. */
function pacedContender(name: string, side: Side): Contender {
  return {
    name,
    pids: side.pids,
    async measure(durationSeconds) {
      const afterId = maxId(side.sourceDb);
      let expected = Number.POSITIVE_INFINITY;
      const written = Promise.withResolvers<void>();
      const watching = watchArrivals(side.targetDb, afterId, written.promise, () => expected);
      const startedAt = Date.now();
      await side.paced(pacedRate, durationSeconds);
      const rows = createdSince(side.sourceDb, afterId);
      expected = rows.length;
      written.resolve();
      const arrivals = await watching;
      const delays = rows.flatMap((row) => (arrivals.has(row.id) ? [arrivals.get(row.id)! - Number(row.createdAt)] : [])).toSorted((a, b) => a - b);
      const wallSeconds = (Math.max(startedAt, ...arrivals.values()) - startedAt) / 1000;
      const lost = rows.length - delays.length;
      return {
        rps: wallSeconds > 0 ? delays.length / wallSeconds : 0,
        ok: delays.length,
        failed: lost,
        p50Ms: percentile(delays, 50),
        p99Ms: percentile(delays, 99),
        wallSeconds,
        extra: { lost },
      };
    },
  };
}

/** Starts both pipelines: platform-service + commands-service, and the raw relay + consumer. */
async function startPipelines(settings: BenchSettings, id: string): Promise<{ ours: Side; raw: Side; stop(): Promise<void> }> {
  const suffix = randomBytes(4).toString('hex');
  const started: ServerProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const server of started.toReversed()) await server.stop();
    await deleteBenchTopology(settings.amqpUrl, suffix);
  };
  try {
    const platformDb = await platformDatabase(`${id}-platforms`, 0);
    const commandsDb = freshDatabasePath(`${id}-commands`);
    const service = await startPlatformService(platformDb, {
      ...profileFlags(settings, `platform-service-${id}`),
      env: { AMQP_URL: settings.amqpUrl, AMQP_EXCHANGE: `bench.platform.events.${suffix}`, OUTBOX_POLL_INTERVAL: `${relayPollMs}ms` },
    });
    started.push(service.process);
    const commands = await startCommandsService(commandsDb, service.grpcUrl, suffix, { amqpUrl: settings.amqpUrl, ...profileFlags(settings, `commands-service-${id}`) });
    started.push(commands.process);

    const rawSource = await platformDatabase(`${id}-raw-outbox`, 0);
    const rawTarget = freshDatabasePath(`${id}-raw-target`);
    const consumer = startNode({ name: 'raw-amqp-consumer', script: await builtServer('raw-amqp'), args: ['consumer', settings.amqpUrl, suffix, rawTarget, String(consumerPrefetch)], ipc: true });
    started.push(consumer);
    if ((await reply(consumer, (m) => m.ready === true, 15_000)) === undefined) throw new Error(`cannot start the raw consumer\n${consumer.tail()}`);
    const relay = startNode({ name: 'raw-amqp-relay', script: await builtServer('raw-amqp'), args: ['relay', settings.amqpUrl, suffix, rawSource, String(relayPollMs), String(relayBatch)], ipc: true });
    started.push(relay);
    if ((await reply(relay, (m) => m.ready === true, 15_000)) === undefined) throw new Error(`cannot start the raw relay\n${relay.tail()}`);

    const authorization = (await benchIssuer()).authorization;
    let runs = 0;
    return {
      ours: {
        sourceDb: platformDb,
        targetDb: commandsDb,
        pids: [service.process.pid, commands.process.pid],
        async paced(rate, seconds) {
          await httpLoad({
            url: `${service.restUrl}/api/platforms`,
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization },
            body: JSON.stringify(newPlatform),
            connections: 4,
            durationSeconds: seconds,
            rate,
          });
        },
      },
      raw: {
        sourceDb: rawSource,
        targetDb: rawTarget,
        pids: [relay.pid, consumer.pid],
        async paced(rate, seconds) {
          const run = `run-${++runs}`;
          const done = reply(relay, (m) => m.run === run, seconds * 1000 + settleTimeoutMs);
          relay.child.send({ run, rate, seconds });
          if ((await done) === undefined) throw new Error(`cannot pace the raw relay\n${relay.tail()}`);
        },
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export const eventsScenario: RatioScenario = {
  id: 'events',
  title: 'event pipeline: 20,000 events already in the outbox → relay → RabbitMQ → consumer → rows, vs raw amqplib doing the same durable work',
  unit: 'event',
  budget: 0.5,
  async setup(settings) {
    const template = await outboxTemplate();
    const { ours, raw, stop } = await startPipelines(settings, 'events');
    return {
      ours: drainContender('outbox relay → RabbitMQ → commands-service (platform-service, commands-service)', ours, settings.events, template),
      baseline: drainContender('raw amqplib relay (confirms, rows marked sent) → consumer (upsert, then ack)', raw, settings.events, template),
      stop,
    };
  },
};

export const eventsDelayScenario: RatioScenario = {
  id: 'events-delay',
  title: `event delay under a paced ${pacedRate} creates/s: p99 from commit to the row in commands-service, vs raw amqplib at the same pace`,
  unit: 'event',
  budget: 0.5,
  compare: 'p99',
  budgetText: 'p99 ≤ 2 × baseline',
  async setup(settings) {
    const { ours, raw, stop } = await startPipelines(settings, 'events-delay');
    return {
      ours: pacedContender('POST → row + outbox → relay → RabbitMQ → commands-service', ours),
      baseline: pacedContender('raw: row + outbox in one transaction → relay → RabbitMQ → consumer', raw),
      stop,
    };
  },
};
