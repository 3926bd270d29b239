/**
 * Baseline of the events scenarios: the same durable work as ours, written by hand with raw
 * amqplib and `node:sqlite`, with our settings.
 *
 * `relay`: an outbox relay over a SQLite file with platform-service's schema. Each round reads up
 * to `batch` pending rows oldest first, publishes each as a persistent message with the same
 * properties ours sends (contentType, type, appId, messageId, timestamp) on a confirm channel,
 * waits for the broker's confirms, then marks the rows sent. It polls every `pollMs` when idle and
 * at once after its own commits. Driven over IPC for the paced scenario: `{ run, rate, seconds }`
 * writes a platform and its outbox row in one transaction `rate` times a second, kicking the relay
 * after each commit, and answers `{ run, created }`.
 *
 * `consumer`: consumes with manual acks and `prefetch`, writes each event into a table shaped like
 * commands-service's copy with the same version-conditional upsert, then acks (after the commit).
 * Its queue is a durable quorum queue, as commands-service's is (platform-events contract): the
 * broker confirms a message once its log holds it on disk, for both sides alike. The connection
 * sets TCP_NODELAY as ours does (runtime/src/amqp/connection.ts): with Nagle's algorithm on, a
 * quorum queue's confirms wait for the delayed ACK.
 *
 * `node bench/servers/raw-amqp.ts relay <amqp url> <suffix> <outbox sqlite> <poll ms> <batch>`
 * `node bench/servers/raw-amqp.ts consumer <amqp url> <suffix> <target sqlite> <prefetch>`
 * Both send `{ ready: true }` once they can work.
 */
import { DatabaseSync } from 'node:sqlite';
import amqp from 'amqplib';

const [role, url, suffix, path, first, second] = process.argv.slice(2);
if ((role !== 'relay' && role !== 'consumer') || url === undefined || suffix === undefined || path === undefined || first === undefined) {
  throw new Error('cannot start raw-amqp: usage raw-amqp.ts relay <amqp url> <suffix> <outbox sqlite> <poll ms> <batch> | consumer <amqp url> <suffix> <target sqlite> <prefetch>');
}
const send = (message: unknown): void => void process.send?.(message);
const exchange = `bench.raw.${suffix}`;
const queue = `bench.raw.${suffix}`;

const connection = await amqp.connect(url, { noDelay: true });
const db = new DatabaseSync(path);
db.exec('pragma journal_mode = WAL; pragma synchronous = NORMAL; pragma busy_timeout = 10000');
const exit = (): void => void connection.close().finally(() => process.exit(0));
process.once('SIGTERM', exit);
process.once('disconnect', exit);

interface OutboxRow {
  readonly id: number;
  readonly topic: string;
  readonly message_id: string;
  readonly payload: Uint8Array;
  readonly metadata: string;
}

if (role === 'relay') {
  const pollMs = Number(first);
  const batch = Number(second);
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const pending = db.prepare('select id, topic, message_id, payload, metadata from outbox_messages where sent_at is null order by id limit ?');
  const markSent = db.prepare(`update outbox_messages set sent_at = ? where id in (select value from json_each(?))`);
  const platform = db.prepare('insert into platforms (name, publisher, cost, version, created_at) values (?, ?, ?, 1, ?) returning id');
  const outbox = db.prepare('insert into outbox_messages (topic, message_id, payload, metadata, created_at) values (?, ?, ?, ?, ?)');

  let kicked = false;
  let wake: (() => void) | undefined;
  const kick = (): void => {
    kicked = true;
    wake?.();
  };
  const idle = (): Promise<void> =>
    new Promise((resolve) => {
      if (kicked) return resolve();
      const timer = setTimeout(() => wake?.(), pollMs);
      wake = () => {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      };
    });

  void (async () => {
    for (;;) {
      kicked = false;
      const rows = pending.all(batch) as unknown as OutboxRow[];
      for (const row of rows) {
        const metadata = JSON.parse(row.metadata) as Record<string, string>;
        channel.publish(exchange, row.topic, Buffer.from(row.payload), {
          persistent: true,
          messageId: row.message_id,
          contentType: metadata.contentType,
          type: metadata.type,
          appId: metadata.appId,
          timestamp: Math.floor(Number(metadata.timestamp) / 1000),
          headers: {},
        });
      }
      if (rows.length > 0) {
        await channel.waitForConfirms();
        markSent.run(Date.now(), JSON.stringify(rows.map((row) => row.id)));
      }
      if (rows.length < batch) await idle();
    }
  })();

  process.on('message', async (command: { run: string; rate: number; seconds: number }) => {
    const total = Math.round(command.rate * command.seconds);
    const start = performance.now();
    for (let index = 0; index < total; index++) {
      const due = start + (index * 1000) / command.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const now = Date.now();
      db.exec('begin immediate');
      const { id } = platform.get('Bench Platform', 'Bench Publisher', 'Free', now) as { id: number };
      const payload = Buffer.from(JSON.stringify({ id, name: 'Bench Platform', publisher: 'Bench Publisher', cost: 'Free' }));
      const metadata = JSON.stringify({ contentType: 'application/json', type: 'platform.published', appId: 'platform-service', timestamp: String(now) });
      outbox.run('platform.published', crypto.randomUUID(), payload, metadata, now);
      db.exec('commit');
      kick();
    }
    send({ run: command.run, created: total });
  });
  send({ ready: true });
} else {
  const prefetch = Number(first);
  db.exec(
    'create table if not exists platforms (id integer not null primary key, external_id integer not null unique, name text not null, ' +
      'version integer not null default 1, deleted integer not null default 0, changed_at integer not null default 0)',
  );
  const upsert = db.prepare(
    'insert into platforms (external_id, name, version, deleted, changed_at) values (?, ?, ?, 0, cast(unixepoch(\'subsec\') * 1000 as integer)) ' +
      'on conflict (external_id) do update set name = excluded.name, version = excluded.version, changed_at = excluded.changed_at ' +
      'where platforms.version < excluded.version and platforms.deleted = 0',
  );
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(queue, exchange, 'platform.*');
  await channel.prefetch(prefetch);
  await channel.consume(queue, (message) => {
    if (message === null) return;
    const event = JSON.parse(message.content.toString('utf8')) as { id: number; name: string; version?: number };
    upsert.run(event.id, event.name, event.version ?? 1);
    channel.ack(message);
  });
  send({ ready: true });
}
