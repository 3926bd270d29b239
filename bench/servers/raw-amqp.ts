/**
 * Baseline of the events scenario: raw amqplib, with our settings — persistent messages on a
 * confirm channel published in batches of 100 (the outbox relay's batch) each awaited before the
 * next, a consumer with prefetch 10 (commands-service's default) acking each message.
 * `node bench/servers/raw-amqp.ts <publisher|consumer> <amqp url> <name suffix>`, driven over IPC:
 * publisher `{ run, count }` → `{ run, published, startedAt }`; consumer `{ run, count }` → `{ run, received, delays, lastAt }`
 * once all arrived (or at once for `{ run, report: true }`).
 */
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';

const [role, url, suffix] = process.argv.slice(2);
if ((role !== 'publisher' && role !== 'consumer') || url === undefined || suffix === undefined) {
  throw new Error('cannot start raw-amqp: usage raw-amqp.ts <publisher|consumer> <amqp url> <name suffix>');
}
const send = (message: unknown): void => void process.send?.(message);
const exchange = `bench.raw.${suffix}`;
const queue = `bench.raw.${suffix}`;
const routingKey = 'platform.published';
const batchSize = 100;
const prefetch = 10;

const connection = await amqp.connect(url);
process.once('SIGTERM', () => void connection.close().finally(() => process.exit(0)));
process.once('disconnect', () => void connection.close().finally(() => process.exit(0)));

if (role === 'publisher') {
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  process.on('message', async (command: { run: string; count: number }) => {
    const startedAt = Date.now();
    let published = 0;
    while (published < command.count) {
      const batch = Math.min(batchSize, command.count - published);
      for (let index = 0; index < batch; index++) {
        const id = published + index + 1;
        const payload = Buffer.from(JSON.stringify({ id, name: `Platform ${id}`, publisher: 'Bench Publisher', cost: 'Free' }));
        channel.publish(exchange, routingKey, payload, {
          persistent: true,
          contentType: 'application/json',
          type: routingKey,
          appId: 'platform-service',
          messageId: randomUUID(),
          timestamp: Math.floor(Date.now() / 1000),
          headers: { 'x-bench-run': command.run, 'x-sent-at': Date.now() },
        });
      }
      await channel.waitForConfirms();
      published += batch;
    }
    send({ run: command.run, published, startedAt });
  });
  send({ ready: true });
} else {
  const channel = await connection.createChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });
  await channel.assertQueue(queue, { durable: true });
  await channel.bindQueue(queue, exchange, routingKey);
  await channel.prefetch(prefetch);
  let current: { run: string; count: number; delays: number[]; lastAt: number } | undefined;
  await channel.consume(queue, (message) => {
    if (message === null) return;
    JSON.parse(message.content.toString());
    const headers = message.properties.headers ?? {};
    if (current && headers['x-bench-run'] === current.run) {
      current.lastAt = Date.now();
      current.delays.push(current.lastAt - Number(headers['x-sent-at']));
      if (current.delays.length === current.count) send({ run: current.run, received: current.count, delays: current.delays, lastAt: current.lastAt });
    }
    channel.ack(message);
  });
  process.on('message', (command: { run: string; count: number; report?: boolean }) => {
    // `report`: the run did not complete in time; say how far it got.
    if (command.report) send({ run: command.run, received: current?.delays.length ?? 0, delays: current?.delays ?? [], lastAt: current?.lastAt ?? 0 });
    else current = { run: command.run, count: command.count, delays: [], lastAt: 0 };
  });
  send({ ready: true });
}
