/**
 * commands-service running whole in the test process (its own REST listener, database and
 * RabbitMQ consumer on uniquely named broker objects), seen from outside as the event fuzzer needs
 * it: plain amqplib to publish and to read the dead-letter queue, the service's own log lines to
 * tell when a message was handled (each handler logs its message's id and correlation id after
 * its commit), and its database read directly.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Writable } from 'node:stream';
import { type Channel, type ChannelModel, type ConfirmChannel, type GetMessage, connect } from 'amqplib';
import { type Orm } from '@platform/runtime/db';
import { brokerUrl } from '@platform/runtime/amqp/testing';
import { createTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { createLogger } from '@platform/runtime/logging';
import { openDatabase } from '@platform/runtime/db';
import { commandsServiceDatabase } from '../../../commands-service/src/database.ts';
import { type TestBrokerNames, connectRawPublisher, uniqueBrokerNames } from '../../../commands-service/src/testing/broker.ts';
import { silentLogger } from '../../../commands-service/src/testing/logs.ts';
import { type TestService, startTestService } from '../../../commands-service/src/testing/service-fixture.ts';
import type { HeldPlatform } from './catalogue-model.ts';
import { type DatabaseState, databaseState } from './database-state.ts';
import type { Publish } from './wire.ts';

type Row = Readonly<Record<string, unknown>>;

/** What became of the messages sent so far, by key (the correlation id, or the message id without one). */
export interface Outcomes {
  /** Messages a handler finished (applied or ignored as stale), by key. */
  readonly handled: ReadonlyMap<string, number>;
  /** Dead letters read from the DLQ, by key. */
  readonly deadLetters: ReadonlyMap<string, readonly GetMessage[]>;
  /** Warnings and errors the service logged other than dead letters: a retry, a requeue, a lost channel, ... */
  readonly troubles: readonly Row[];
}

export interface ConsumerUnderTest {
  readonly names: TestBrokerNames;
  /** Publishes with publisher confirms, each to the test's exchange. */
  publish(messages: readonly Publish[]): Promise<void>;
  /** Takes what reached the DLQ, and returns every outcome so far. */
  outcomes(): Promise<Outcomes>;
  /** The copy of the catalogue as stored: every row by platform id, with its commands. */
  copy(): Promise<Map<number, HeldPlatform>>;
  /** A digest of every row of every table: equal digests, nothing changed. */
  digest(): Promise<string>;
  /** Adds a command through the REST API; resolves with the status. */
  addCommand(platformId: number): Promise<number>;
  /** Whether /readyz says the consumer is consuming. */
  consuming(): Promise<boolean>;
  /** Stops the service (it finishes the messages in hand), then resolves with the messages left in its queue. */
  stop(): Promise<number>;
  /** Removes broker objects and the database. */
  dispose(): Promise<void>;
}

/** The database under the service, and a way to read it from outside. */
interface Store {
  readonly env: Record<string, string>;
  query(sql: string): Promise<Row[]>;
  digest(): Promise<string>;
  dispose(): Promise<void>;
}

async function postgresStore(): Promise<Store> {
  const database = await createTemporaryPostgresDatabase({ prefix: 'event_fuzz' });
  const env = { DB_DRIVER: 'postgresql', DB_URL: database.url };
  let observer: Orm | undefined;
  const orm = async (): Promise<Orm> => (observer ??= await openDatabase({ driver: 'postgresql', url: database.url, ...commandsServiceDatabase, logger: silentLogger() }));
  const query = async (sql: string): Promise<Row[]> => (await orm()).em.getConnection().execute<Row[]>(sql);
  return {
    env,
    query,
    async digest() {
      const tables = (await query("select table_name as name from information_schema.tables where table_schema = current_schema() order by 1")).map((row) => String(row.name));
      const parts = await Promise.all(tables.map(async (table) => `${table}:${JSON.stringify(await query(`select * from "${table}" order by 1`))}`));
      return parts.join('\n');
    },
    async dispose() {
      await observer?.close(true);
      await database.drop();
    },
  };
}

async function sqliteStore(folder: string): Promise<Store> {
  const file = join(folder, `commands-service-${randomUUID().slice(0, 8)}.sqlite`);
  // Opened once the service made the file; WAL lets it read while the service writes.
  let reader: DatabaseSync | undefined;
  let state: DatabaseState | undefined;
  return {
    env: { DB_DRIVER: 'sqlite', DB_URL: file },
    query: async (sql) => (reader ??= new DatabaseSync(file, { readOnly: true })).prepare(sql).all() as Row[],
    digest: async () => (state ??= databaseState([file])).digest(),
    async dispose() {
      reader?.close();
      state?.close();
    },
  };
}

/** Warnings that are no trouble here: a dead letter is an outcome, and the start-up sync has no platform-service to call. */
const expectedWarnings = new Set(['message dead-lettered', 'start-up sync failed, retrying']);

/** Starts commands-service on `driver` with a consumer on unique broker names. */
export async function startConsumerUnderTest(driver: 'postgresql' | 'sqlite', folder: string): Promise<ConsumerUnderTest> {
  const store = driver === 'postgresql' ? await postgresStore() : await sqliteStore(folder);
  const names = uniqueBrokerNames();
  const handled = new Map<string, number>();
  const troubles: Row[] = [];
  let pending = '';
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        const entry = JSON.parse(line) as Row;
        if (entry.level === 'info' && typeof entry.messageId === 'string') for (const key of keysOf(entry.correlationId, entry.messageId)) handled.set(key, (handled.get(key) ?? 0) + 1);
        else if (entry.level !== 'info' && entry.level !== 'debug' && !expectedWarnings.has(String(entry.msg))) troubles.push(entry);
      }
      done();
    },
  });
  const app: TestService = await startTestService({
    env: { ...store.env, AMQP_URL: brokerUrl, AMQP_CONNECTION_NAME: names.connectionName, EVENT_MAX_RETRIES: '2' },
    eventNames: names.events,
    logger: createLogger({ name: 'commands-service', level: 'info', destination }),
  });
  const connection: ChannelModel = await connect(brokerUrl, { clientProperties: { connection_name: `${names.connectionName}-fuzzer` } });
  connection.on('error', () => undefined);
  const publisher: ConfirmChannel = await connection.createConfirmChannel();
  const reader: Channel = await connection.createChannel();
  const deadLetters = new Map<string, GetMessage[]>();

  return {
    names,
    async publish(messages) {
      for (const message of messages) publisher.publish(names.events.exchange, message.routingKey, message.body, message.options);
      await publisher.waitForConfirms();
    },
    async outcomes() {
      for (let got = await reader.get(names.events.deadLetterQueue, { noAck: true }); got !== false; got = await reader.get(names.events.deadLetterQueue, { noAck: true })) {
        const message = got;
        for (const key of keysOf(message.properties.correlationId, message.properties.messageId)) deadLetters.set(key, [...(deadLetters.get(key) ?? []), message]);
      }
      return { handled, deadLetters, troubles };
    },
    async copy() {
      const commands = new Map((await store.query('select p.external_id as id, count(*) as n from commands c join platforms p on p.id = c.platform_id group by p.external_id')).map((row) => [Number(row.id), Number(row.n)]));
      const rows = await store.query('select external_id, name, version, deleted from platforms');
      return new Map(rows.map((row) => [Number(row.external_id), { name: row.deleted ? '' : String(row.name), version: Number(row.version), deleted: Boolean(row.deleted), commands: commands.get(Number(row.external_id)) ?? 0 }]));
    },
    digest: () => store.digest(),
    async addCommand(platformId) {
      const answer = await app.client.POST('/api/c/platforms/{platformId}/commands', { params: { path: { platformId } }, body: { howTo: 'List everything', commandLine: `ls ${platformId}` } });
      return answer.response.status;
    },
    async consuming() {
      return (await app.readyz()).body.checks['platform-events']?.ok === true;
    },
    async stop() {
      await app.stop();
      return (await reader.checkQueue(names.events.queue)).messageCount;
    },
    async dispose() {
      await connection.close().catch(() => undefined);
      const raw = await connectRawPublisher();
      await raw.deleteAll(names.events).catch(() => undefined);
      await raw.close();
      await store.dispose();
    },
  };
}

/** The keys a message is found by: its correlation id, and its message id. */
function keysOf(correlationId: unknown, messageId: unknown): string[] {
  return [correlationId, messageId].filter((key): key is string => typeof key === 'string' && key !== '');
}

/** The key the fuzzer tracks a sent message by: its correlation id when it has one, else its message id. */
export function keyOf(message: Publish): string {
  const [key] = keysOf(message.options.correlationId, message.options.messageId);
  if (key === undefined) throw new Error('cannot track a message with neither a correlation id nor a message id');
  return key;
}
