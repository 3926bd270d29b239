import type { Orm } from '@platform/runtime/db';
import { type TemporaryDatabase, createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '@platform/runtime/db';
import { commandsServiceDatabase } from '../database.ts';
import { type RawEvent, type RawPublisher, type TestBrokerNames, connectRawPublisher, uniqueBrokerNames } from '../testing/broker.ts';
import { eventually } from '@platform/runtime/amqp/testing';
import { type RecordingLogger, recordingLogger, silentLogger } from '../testing/logs.ts';
import { type TestService, startTestService } from '../testing/service-fixture.ts';
import { Platform } from './platform-entity.ts';

/** Platforms of the history; with their updates and deletes they make about 1,000 events. */
const platforms = 250;

/** A seeded pseudo-random generator (mulberry32), so a failing order can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The history platform-service would publish, and the catalogue it ends with. */
function history(next: () => number): { events: RawEvent[]; final: { id: number; name: string }[] } {
  const events: RawEvent[] = [];
  const final: { id: number; name: string }[] = [];
  for (let id = 1; id <= platforms; id++) {
    let name = `platform ${id}`;
    events.push({ type: 'platform.published', payload: { id, name, publisher: 'Example', cost: 'Free' }, messageId: `${id}-1` });
    const updates = Math.floor(next() * 5);
    for (let version = 2; version <= updates + 1; version++) {
      name = `platform ${id} v${version}`;
      events.push({ type: 'platform.updated', payload: { id, name, publisher: 'Example', cost: 'Free', version }, messageId: `${id}-${version}` });
    }
    if (next() < 0.3) events.push({ type: 'platform.deleted', payload: { id, version: updates + 2 }, messageId: `${id}-${updates + 2}` });
    else final.push({ id, name });
  }
  return { events, final };
}

/** Events a replica handled, whether they changed its copy or not. */
const handled = (log: RecordingLogger): number => log.lines().filter((line) => line.platformId !== undefined && line.messageId !== undefined).length;

describe('two replicas on one queue and one database', { timeout: 120_000 }, () => {
  let names: TestBrokerNames;
  let database: TemporaryDatabase;
  let observer: Orm;
  let raw: RawPublisher;
  const replicas: { app: TestService; log: RecordingLogger }[] = [];

  beforeAll(async () => {
    names = uniqueBrokerNames();
    database = await createTemporaryPostgresDatabase({ prefix: 'commands_replicas' });
    observer = await openDatabase({ driver: 'postgresql', url: database.url, ...commandsServiceDatabase, logger: silentLogger() });
    raw = await connectRawPublisher();
    for (const replica of ['a', 'b']) {
      const log = recordingLogger();
      const app = await startTestService({
        env: {
          DB_DRIVER: 'postgresql',
          DB_URL: database.url,
          AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
          AMQP_CONNECTION_NAME: `${names.connectionName}-${replica}`,
          AMQP_PREFETCH: '20',
          LOG_LEVEL: 'info',
        },
        eventNames: names.events,
        logger: log.logger,
      });
      replicas.push({ app, log });
    }
  });

  afterAll(async () => {
    await Promise.all(replicas.map(({ app }) => app.stop()));
    await raw?.deleteAll(names.events).catch(() => undefined);
    await raw?.close();
    await observer?.close(true);
    await database?.drop();
  });

  it('apply-a-shuffled-history-of-creates-updates-and-deletes-with-duplicates-into-the-final-catalogue', async () => {
    const seed = 20261201;
    const next = random(seed);
    const { events, final } = history(next);
    // Out of order (a later version first, an update before its create, a delete before a late
    // update), and every fifth event a second time, as redeliveries and relay replays would.
    const shuffled = events.map((event) => ({ event, key: next() })).toSorted((a, b) => a.key - b.key).map(({ event }) => event);
    const sent = [...shuffled, ...shuffled.filter((_, index) => index % 5 === 0)];
    for (let start = 0; start < sent.length; start += 100) await raw.publish(names.events.exchange, sent.slice(start, start + 100));

    await eventually(() => replicas.reduce((sum, { log }) => sum + handled(log), 0) >= sent.length);

    expect(events.length, `seed ${seed}`).toBeGreaterThan(700);
    const [a, b] = await Promise.all(replicas.map(async ({ app }) => (await app.client.GET('/api/c/platforms')).data));
    expect(a).toEqual(final);
    expect(b).toEqual(final);
    expect(await observer.em.fork().count(Platform, {})).toBe(platforms);
    // Both replicas took a share of the queue, and nothing was dead-lettered.
    for (const { log } of replicas) expect(handled(log)).toBeGreaterThan(0);
    expect(await raw.depth(names.events.queue)).toBe(0);
    expect(await raw.depth(names.events.deadLetterQueue)).toBe(0);
  });
});
