/**
 * Old consumers against new providers, events: the current platform-service publishes through
 * its real outbox relay onto an in-process bus; an old consumer, with the events module generated
 * from the released baseline, subscribes on the baseline's routing key and decodes every message
 * with the baseline's validators (payload, content type, message type) and metadata schema.
 * Old consumers are strict readers: an invalid event is a poison message for them.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createInProcessBus, type InProcessBus, type Message } from '@platform/runtime/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateBaselineCode, type BaselineCode } from './baseline-code.ts';
import { eventually, startCurrentServices, type CurrentServices } from './current-services.ts';
import { repositoryRoot } from './test-support.ts';

/** The part of the baseline's generated events module used here. */
interface OldEventsModule {
  readonly platformPublishedTopology: { readonly routingKey: string };
  readonly platformPublishedMetadataSchema: object;
  decodePlatformPublished(message: Message): { id: number; name: string; publisher: string; cost: string };
}

let baseline: BaselineCode | undefined;
let services: CurrentServices | undefined;
let bus: InProcessBus | undefined;
let old: OldEventsModule;
const received: Message[] = [];

beforeAll(async () => {
  baseline = await generateBaselineCode({ root: repositoryRoot });
  old = (await baseline.load('asyncapi/platform-events/index.ts')) as OldEventsModule;
  bus = createInProcessBus();
  // Subscribe before anything is published: the old consumer's queue, on the old routing key.
  await bus.createSubscriber({ queue: 'old-consumer.platform-events' }).subscribe(old.platformPublishedTopology.routingKey, async (message) => {
    received.push(message);
  });
  services = await startCurrentServices({ inProcessBus: bus });
}, 120_000);

afterAll(async () => {
  await services?.stop();
  await bus?.close();
  await baseline?.remove();
});

describe('events of the current publisher read by an old consumer', () => {
  it('decode-with-the-baseline-payload-schema-for-seeded-and-created-platforms', async () => {
    const response = await fetch(`${services?.platformRestUrl ?? ''}/api/platforms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'old-consumer-test' },
      body: JSON.stringify({ name: 'Event Platform', publisher: 'Baseline', cost: '$1/month' }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: number };

    const message = await eventually('the platform.published event of the created platform', async () =>
      received.find((candidate) => old.decodePlatformPublished(candidate).id === created.id),
    );
    expect(old.decodePlatformPublished(message)).toEqual({ id: created.id, name: 'Event Platform', publisher: 'Baseline', cost: '$1/month' });
    const seeded = received.map((candidate) => old.decodePlatformPublished(candidate).name);
    expect(seeded).toEqual(expect.arrayContaining(['Dot Net', 'SQL Server Express', 'Kubernetes']));
  });

  it('carry-metadata-the-baseline-metadata-schema-accepts', async () => {
    await eventually('some platform.published events', async () => (received.length > 0 ? received.length : undefined));
    const validateMetadata = new Ajv2020({ strict: false, allErrors: true }).compile(old.platformPublishedMetadataSchema);
    for (const message of received) {
      expect(validateMetadata(message.metadata), `metadata of ${message.id}: ${JSON.stringify(validateMetadata.errors)}`).toBe(true);
    }
    expect(new Set(received.map((message) => message.id)).size).toBe(received.length);
  });

  it('leave-nothing-for-the-dead-letter-list', () => {
    expect(bus?.deadLetters()).toEqual([]);
  });
});
