import { decodePlatformPublished, platformPublishedTopology } from '@platform/gen/asyncapi/platform-events/index.ts';
import { fromDelivery } from '@platform/runtime/amqp';
import { createInProcessBus } from '@platform/runtime/messaging';
import type { ConsumeMessage } from 'amqplib';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerUrl, eventually, startBrokerProxy, startTestConsumer, uniqueName } from '../testing/broker.ts';
import type { BrokerProxy, TestConsumer } from '../testing/broker.ts';
import { startTestService } from '../testing/service-fixture.ts';
import type { TestService } from '../testing/service-fixture.ts';

const { routingKey } = platformPublishedTopology;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const payloadOf = (message: ConsumeMessage) => decodePlatformPublished(fromDelivery(message));

async function create(api: TestService, name: string, requestId?: string, headers: Record<string, string> = {}) {
  const { data, response } = await api.client.POST('/api/platforms', {
    body: { name, publisher: 'Test Publisher', cost: 'Free' },
    headers: { ...headers, ...(requestId ? { 'x-request-id': requestId } : {}) },
  });
  expect(response.status).toBe(201);
  return data!;
}

describe('platform.published on RabbitMQ', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).toReversed()) await cleanup();
  });

  async function consumer(exchange: string): Promise<TestConsumer> {
    const started = await startTestConsumer(exchange, routingKey);
    cleanups.push(started.close);
    return started;
  }
  async function service(options: Parameters<typeof startTestService>[0]): Promise<TestService> {
    const started = await startTestService(options);
    cleanups.push(started.stop);
    return started;
  }
  async function proxy(): Promise<BrokerProxy> {
    const started = await startBrokerProxy();
    cleanups.push(started.close);
    return started;
  }

  it('publishes-the-typed-event-with-the-contract-properties', async () => {
    const exchange = uniqueName('platform.events');
    const events = await consumer(exchange);
    const api = await service({ env: { AMQP_URL: brokerUrl }, exchange });
    const before = Math.floor(Date.now() / 1000);
    const created = await create(api, 'Kubernetes', 'request-event-1');
    await events.until(1);

    const [message] = events.received as [ConsumeMessage];
    expect(message.fields).toMatchObject({ exchange, routingKey: 'platform.published' });
    expect(message.properties).toMatchObject({
      deliveryMode: 2,
      contentType: 'application/json',
      type: 'platform.published',
      appId: 'platform-service',
      correlationId: 'request-event-1',
      messageId: expect.stringMatching(uuid),
    });
    expect(message.properties.timestamp).toBeGreaterThanOrEqual(before);
    expect(message.properties.timestamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(JSON.parse(message.content.toString('utf8'))).toEqual(created);
    expect(payloadOf(message)).toEqual(created);
  });

  it('carries-the-requests-traceparent-header-and-drops-a-malformed-one', async () => {
    const exchange = uniqueName('platform.events');
    const events = await consumer(exchange);
    const api = await service({ env: { AMQP_URL: brokerUrl }, exchange });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await create(api, 'traced', undefined, { traceparent });
    await create(api, 'badly traced', undefined, { traceparent: 'not-a-trace' });
    await create(api, 'untraced');
    await events.until(3);
    expect(events.received.map((message) => message.properties.headers?.traceparent)).toEqual([traceparent, undefined, undefined]);
  });

  it('gives-each-event-a-unique-message-id-and-keeps-creation-order', async () => {
    const exchange = uniqueName('platform.events');
    const events = await consumer(exchange);
    const api = await service({ env: { AMQP_URL: brokerUrl }, exchange });
    const created = [];
    for (const name of ['one', 'two', 'three', 'four']) created.push(await create(api, name));
    await events.until(4);
    expect(events.received.map(payloadOf)).toEqual(created);
    expect(new Set(events.received.map((message) => message.properties.messageId)).size).toBe(4);
  });

  it('publishes-seeded-platforms-too', async () => {
    const exchange = uniqueName('platform.events');
    const events = await consumer(exchange);
    await service({ env: { AMQP_URL: brokerUrl, SEED_DATA: 'true' }, exchange });
    await events.until(3);
    expect(events.received.map((message) => payloadOf(message).name)).toEqual(['Dot Net', 'SQL Server Express', 'Kubernetes']);
  });

  it('keeps-events-in-the-outbox-while-the-broker-is-unreachable-and-delivers-each-once-in-order-when-it-returns', async () => {
    const exchange = uniqueName('platform.events');
    const events = await consumer(exchange);
    const broker = await proxy(); // refusing: the broker is "down" from the start
    const api = await service({ env: { AMQP_URL: broker.url }, exchange });

    const created = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) created.push(await create(api, `while down ${name}`));
    const down = await api.readyz();
    expect(down.status).toBe(200);
    expect(down.body.checks.bus).toEqual({ ok: true, detail: 'disconnected: reconnecting, events wait in the outbox' });
    expect(down.body.checks.outbox?.detail).toMatch(/^5 pending; relay /);
    expect(events.received).toEqual([]);

    broker.accept();
    await events.until(5);
    // A marker created after the backlog drained: the relay is sequential, so once it arrives
    // any duplicate of an earlier event would have arrived before it.
    await eventually(async () => (await api.readyz()).body.checks.outbox?.detail?.startsWith('0 pending') ?? false);
    const marker = await create(api, 'marker');
    await events.until(6);
    expect(events.received.map(payloadOf)).toEqual([...created, marker]);
    expect(new Set(events.received.map((message) => message.properties.messageId)).size).toBe(6);
    expect((await api.readyz()).body.checks.bus?.detail).toBe('connected');
  });

  it('survives-a-dropped-connection-between-creates', async () => {
    const exchange = uniqueName('platform.events');
    const events = await consumer(exchange);
    const broker = await proxy();
    broker.accept();
    const api = await service({ env: { AMQP_URL: broker.url }, exchange });
    const first = await create(api, 'before the drop');
    await events.until(1);
    // Confirmed and marked sent before the drop: a confirm lost in the drop would (rightly) publish it again.
    await eventually(async () => (await api.readyz()).body.checks.outbox?.detail?.startsWith('0 pending') ?? false);

    broker.refuse(); // drops the service's connection and refuses reconnects
    const during = [];
    for (const name of ['x', 'y', 'z']) during.push(await create(api, `during the drop ${name}`));
    broker.accept();
    await events.until(4);
    await eventually(async () => (await api.readyz()).body.checks.outbox?.detail?.startsWith('0 pending') ?? false);
    const marker = await create(api, 'marker');
    await events.until(5);
    expect(events.received.map(payloadOf)).toEqual([first, ...during, marker]);
  });
});

describe('platform.published without RabbitMQ', () => {
  it('goes-to-an-injected-publisher-such-as-the-in-process-bus', async () => {
    const bus = createInProcessBus();
    const delivered: unknown[] = [];
    const arrived = Promise.withResolvers<void>();
    await bus.createSubscriber({ queue: routingKey }).subscribe(routingKey, async (message) => {
      delivered.push(decodePlatformPublished(message));
      arrived.resolve();
    });
    const api = await startTestService({ inProcessBus: bus });
    try {
      const { data } = await api.client.POST('/api/platforms', { body: { name: 'In process', publisher: 'p', cost: 'c' } });
      await arrived.promise;
      expect(delivered).toEqual([data]);
      expect((await api.readyz()).body.checks.bus?.detail).toBe('connected: in-process bus');
    } finally {
      await api.stop();
      await bus.close();
    }
  });

  it('waits-in-the-outbox-when-no-broker-is-configured', async () => {
    const api = await startTestService();
    try {
      await api.client.POST('/api/platforms', { body: { name: 'Waiting', publisher: 'p', cost: 'c' } });
      const { status, body } = await api.readyz();
      expect(status).toBe(200);
      expect(body.checks.bus?.detail).toBe('disabled: no AMQP_URL, events wait in the outbox');
      expect(body.checks.outbox?.detail).toBe('1 pending; relay off');
    } finally {
      await api.stop();
    }
  });
});
