import type { Orm } from '@platform/runtime/db';
import { type TemporaryDatabase, createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../database.ts';
import { type RawEvent, type RawPublisher, type TestBrokerNames, connectRawPublisher, uniqueBrokerNames } from '../testing/broker.ts';
import { eventually } from '@platform/runtime/amqp/testing';
import { type RecordingLogger, recordingLogger, silentLogger } from '../testing/logs.ts';
import { type TestService, startTestService } from '../testing/service-fixture.ts';
import { Platform } from './platform-entity.ts';

const events = 1_000;
/** Every tenth event is sent a second time (as a redelivery or a relay replay would). */
const duplicates = 100;

/** Events a replica handled, added or already known. */
const handled = (log: RecordingLogger): number =>
  log.lines().filter((line) => line.msg === 'platform added from platform.published' || line.msg === 'platform already known, platform.published changes nothing').length;

describe('two replicas on one queue and one database', { timeout: 120_000 }, () => {
  let names: TestBrokerNames;
  let database: TemporaryDatabase;
  let observer: Orm;
  let raw: RawPublisher;
  const replicas: { app: TestService; log: RecordingLogger }[] = [];

  beforeAll(async () => {
    names = uniqueBrokerNames();
    database = await createTemporaryPostgresDatabase({ prefix: 'commands_replicas' });
    observer = await openDatabase({ dbDriver: 'postgresql', dbUrl: database.url }, silentLogger());
    raw = await connectRawPublisher();
    for (const replica of ['a', 'b']) {
      const log = recordingLogger();
      const app = await startTestService({
        env: {
          DB_DRIVER: 'postgresql',
          DB_URL: database.url,
          AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
          AMQP_CONNECTION_NAME: `${names.connectionName}-${replica}`,
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

  it(`processes-${events}-events-with-no-loss-and-no-duplicate-rows`, async () => {
    const sent: RawEvent[] = Array.from({ length: events }, (_, index) => ({
      payload: { id: index + 1, name: `platform ${index + 1}`, publisher: 'Example', cost: 'Free' },
      messageId: `event-${index + 1}`,
    }));
    const resent = sent.filter((_, index) => index % (events / duplicates) === 0);
    for (let start = 0; start < sent.length; start += 100) await raw.publish(names.events.exchange, sent.slice(start, start + 100));
    await raw.publish(names.events.exchange, resent);

    await eventually(() => replicas.reduce((sum, { log }) => sum + handled(log), 0) >= events + duplicates);

    const rows = await observer.em.getConnection().execute<{ rows: string; distinct_ids: string; lowest: number; highest: number }[]>(
      'select count(*) as rows, count(distinct external_id) as distinct_ids, min(external_id) as lowest, max(external_id) as highest from platforms',
    );
    expect(rows[0]).toMatchObject({ lowest: 1, highest: events });
    expect(Number(rows[0]?.rows)).toBe(events);
    expect(Number(rows[0]?.distinct_ids)).toBe(events);
    expect(await observer.em.fork().count(Platform)).toBe(events);
    // Both replicas took a share of the queue.
    for (const { log } of replicas) expect(handled(log)).toBeGreaterThan(0);
    expect(await raw.depth(names.events.queue)).toBe(0);
    expect(await raw.depth(names.events.deadLetterQueue)).toBe(0);
  });
});
