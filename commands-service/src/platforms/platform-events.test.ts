import { randomUUID } from 'node:crypto';
import type { Orm } from '@platform/runtime/db';
import { type TemporaryDatabase, createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '@platform/runtime/db';
import { commandsServiceDatabase } from '../database.ts';
import { type RawPublisher, type TestBrokerNames, closeConnectionsNamed, connectRawPublisher, nextMessage, uniqueBrokerNames } from '../testing/broker.ts';
import { eventually } from '@platform/runtime/amqp/testing';
import { type RecordingLogger, recordingLogger, silentLogger } from '../testing/logs.ts';
import { type TestService, startTestService } from '../testing/service-fixture.ts';
import { Platform } from './platform-entity.ts';

/** A valid `platform.published` payload. */
const platform = (id: number, name = `platform ${id}`) => ({ id, name, publisher: 'Example', cost: 'Free' });

describe('platform events over RabbitMQ', () => {
  let names: TestBrokerNames;
  let database: TemporaryDatabase;
  let observer: Orm;
  let raw: RawPublisher;
  let recording: RecordingLogger;
  let app: TestService | undefined;

  beforeEach(async () => {
    names = uniqueBrokerNames();
    database = await createTemporaryPostgresDatabase({ prefix: 'commands_events' });
    observer = await openDatabase({ driver: 'postgresql', url: database.url, ...commandsServiceDatabase, logger: silentLogger() });
    raw = await connectRawPublisher();
    recording = recordingLogger();
    app = await startTestService({
      env: {
        DB_DRIVER: 'postgresql',
        DB_URL: database.url,
        AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
        AMQP_CONNECTION_NAME: names.connectionName,
        EVENT_MAX_RETRIES: '2',
      },
      eventNames: names.events,
      logger: recording.logger,
    });
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    await raw.deleteAll(names.events).catch(() => undefined);
    await raw.close();
    await observer.close(true);
    await database.drop();
  });

  /** External ids of the platforms the service knows, through its REST API. */
  const knownIds = async (): Promise<number[]> => ((await app?.client.GET('/api/c/platforms'))?.data ?? []).map(({ id }) => id);
  const rowCount = async (externalId: number): Promise<number> => observer.em.fork().count(Platform, { externalId });

  it('declares-its-topology-and-reports-the-broker-connection-ready', async () => {
    expect(await raw.depth(names.events.queue)).toBe(0);
    expect(await raw.depth(names.events.deadLetterQueue)).toBe(0);
    expect((await app?.readyz())?.body.checks['platform-events']).toEqual({ ok: true, detail: 'consuming from RabbitMQ at 127.0.0.1:5672' });
  });

  it('adds-the-platform-of-a-valid-event-sent-by-a-raw-amqp-publisher', async () => {
    const correlationId = randomUUID();
    await raw.publish(names.events.exchange, [{ payload: platform(41, 'Rust'), correlationId }]);
    await eventually(async () => (await knownIds()).includes(41));
    expect((await app?.client.GET('/api/c/platforms'))?.data).toEqual([{ id: 41, name: 'Rust' }]);
    expect(recording.lines().find((line) => line.msg === 'platform added from platform.published')).toMatchObject({ platformId: 41, correlationId });
  });

  it('keeps-one-row-when-the-same-event-arrives-twice', async () => {
    const messageId = randomUUID();
    await raw.publish(names.events.exchange, [{ payload: platform(42), messageId }, { payload: platform(42), messageId }]);
    await raw.publish(names.events.exchange, [{ payload: platform(43) }]);
    await eventually(async () => (await knownIds()).includes(43));
    await eventually(() => recording.lines().some((line) => line.msg === 'platform already known or deleted, platform.published changes nothing'));
    expect(await rowCount(42)).toBe(1);
    expect(await knownIds()).toEqual([42, 43]);
  });

  it.each([
    ['a payload that is not JSON', '{"id": 5, "name": ', /payload is not JSON/],
    ['a payload without a required field', { id: 5, name: 'no cost', publisher: 'Example' }, /\/cost is required/],
    ['a payload with an empty name', { ...platform(5), name: '' }, /\/name must NOT have fewer than 1 characters/],
    ['a payload with an id that is not an id', { ...platform(5), id: 'five' }, /\/id must be integer/],
  ])('dead-letters-%s-at-once-and-goes-on-with-the-next-event', async (_case, payload, reason) => {
    const messageId = randomUUID();
    await raw.publish(names.events.exchange, [{ payload, messageId }, { payload: platform(44) }]);
    const deadLetter = await nextMessage(raw, names.events.deadLetterQueue);
    expect(deadLetter.properties.messageId).toBe(messageId);
    expect(deadLetter.properties.headers).toMatchObject({ 'x-dead-letter-code': 'poison_message', 'x-dead-letter-attempts': '1' });
    expect(String(deadLetter.properties.headers?.['x-dead-letter-reason'])).toMatch(reason);
    await eventually(async () => (await knownIds()).includes(44));
    expect(await knownIds()).toEqual([44]);
    expect(recording.lines().filter((line) => line.msg === 'handler failed, retrying')).toEqual([]);
  });

  it('retries-a-transient-failure-then-dead-letters-it-after-the-bound', async () => {
    // The table disappears: every attempt fails until it is back.
    await observer.em.getConnection().execute('drop table platforms cascade');
    const messageId = randomUUID();
    await raw.publish(names.events.exchange, [{ payload: platform(45), messageId }]);
    const deadLetter = await nextMessage(raw, names.events.deadLetterQueue);
    expect(deadLetter.properties.messageId).toBe(messageId);
    expect(deadLetter.properties.headers).toMatchObject({ 'x-dead-letter-code': 'internal', 'x-dead-letter-attempts': '3' });
    expect(String(deadLetter.properties.headers?.['x-dead-letter-reason'])).toMatch(/platforms/);
    expect(recording.lines().filter((line) => line.msg === 'handler failed, retrying' && line.messageId === messageId)).toHaveLength(2);

    await observer.schema.update({ safe: true });
    await raw.publish(names.events.exchange, [{ payload: platform(46) }]);
    await eventually(async () => (await knownIds()).includes(46));
    expect(await rowCount(45)).toBe(0);
  });

  it('resumes-consuming-after-the-broker-closes-its-connection', async () => {
    await raw.publish(names.events.exchange, [{ payload: platform(47) }]);
    await eventually(async () => (await knownIds()).includes(47));
    expect(await closeConnectionsNamed(names.connectionName)).toBeGreaterThan(0);
    await raw.publish(names.events.exchange, [{ payload: platform(48) }, { payload: platform(49) }]);
    await eventually(async () => (await knownIds()).length === 3);
    expect(await knownIds()).toEqual([47, 48, 49]);
    expect(recording.lines().some((line) => line.msg === 'AMQP connection lost, reconnecting')).toBe(true);
    expect((await app?.readyz())?.body.checks['platform-events']).toMatchObject({ ok: true });
  });

  it('finishes-and-acks-the-event-in-hand-when-stopped', async () => {
    // Another transaction holds the table: the handler waits inside its insert until it is released.
    const locked = Promise.withResolvers<void>();
    const released = Promise.withResolvers<void>();
    const holding = observer.em.fork().transactional(async (em) => {
      await em.execute('lock table platforms in exclusive mode');
      locked.resolve();
      await released.promise;
    });
    try {
      await locked.promise;
      await raw.publish(names.events.exchange, [{ payload: platform(50) }]);
      const waitingForLock = async (): Promise<boolean> => {
        const rows = await observer.em.getConnection().execute<{ waiting: string }[]>(
          "select count(*) as waiting from pg_stat_activity where datname = ? and wait_event_type = 'Lock'",
          [database.dbName],
        );
        return Number(rows[0]?.waiting) > 0;
      };
      await eventually(waitingForLock);

      let stopped = false;
      const stopping = app?.stop().then(() => (stopped = true));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(stopped).toBe(false);
      released.resolve();
      await holding;
      await stopping;
      expect(await rowCount(50)).toBe(1);
      expect(await raw.depth(names.events.queue)).toBe(0);
    } finally {
      released.resolve();
      await holding.catch(() => undefined);
    }
  });
});
