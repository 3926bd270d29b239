/**
 * The platform's events with plain amqplib and the event contract's package: a queue of its own bound
 * to the platform's exchange, a platform created, renamed and deleted over REST, and its three events
 * decoded. Then, on the same queue, what a newer producer might send (a payload field and a header the
 * contract does not know) is read tolerantly, and a message that breaks the contract is refused.
 */
import { createPlatformServiceClient } from '@contract-first/platform-service-client';
import { decodePlatformEventsMessage, decodePlatformPublished, EventContractError } from '@contract-first/platform-events';
import type { PlatformEventsMessage, PlatformPublished } from '@contract-first/platform-events';
import { bindPlatformEventsQueue, toEventMessage, toPublishOptions } from '@contract-first/platform-events/amqp';
import { connect } from 'amqplib';
import type { ConsumeMessage } from 'amqplib';
import { report, setting } from './env.js';

const connection = await connect(setting('AMQP_URL'));
const channel = await connection.createChannel();
// Named by the broker and deleted with the connection: nobody else's queue is touched.
const queue = await bindPlatformEventsQueue(channel, { queue: '', exchange: setting('AMQP_EXCHANGE'), queueOptions: { exclusive: true, durable: false } });
const deliveries: ConsumeMessage[] = [];
await channel.consume(queue, (delivery) => {
  if (delivery === null) return;
  deliveries.push(delivery);
  channel.ack(delivery);
});

/** The deliveries that `matches`, once there are `count` of them. */
async function received(count: number, matches: (delivery: ConsumeMessage) => boolean): Promise<ConsumeMessage[]> {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    const found = deliveries.filter(matches);
    if (found.length >= count) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`cannot consume: ${count} matching messages did not arrive (${deliveries.length} arrived)`);
}

const platforms = createPlatformServiceClient(setting('GATEWAY_URL'));
const name = setting('PLATFORM_NAME');
const created = await platforms.POST('/api/platforms', { body: { name, publisher: 'Events Inc.', cost: 'Free' } });
if (created.data === undefined) throw new Error(`cannot create a platform: ${created.response.status} ${JSON.stringify(created.error)}`);
const { id } = created.data;
const renamed = await platforms.PUT('/api/platforms/{id}', { params: { path: { id } }, body: { name: `${name} renamed`, publisher: 'Events Inc.', cost: 'Free' } });
if (renamed.data === undefined) throw new Error(`cannot rename platform ${id}: ${renamed.response.status} ${JSON.stringify(renamed.error)}`);
const deleted = await platforms.DELETE('/api/platforms/{id}', { params: { path: { id } } });
if (deleted.response.status !== 204) throw new Error(`cannot delete platform ${id}: ${deleted.response.status}`);

// Its three events.
const ofThisPlatform = (delivery: ConsumeMessage): boolean => {
  try {
    return decodePlatformEventsMessage(toEventMessage(delivery)).payload.id === id;
  } catch {
    return false;
  }
};
const mine = await received(3, ofThisPlatform);
const events: PlatformEventsMessage[] = mine.map((delivery) => decodePlatformEventsMessage(toEventMessage(delivery)));
const publishedDelivery = mine.find((delivery) => delivery.properties.type === 'platform.published');
if (publishedDelivery === undefined) throw new Error(`cannot consume: no platform.published for platform ${id} among ${JSON.stringify(events)}`);
const published: PlatformPublished = decodePlatformPublished(toEventMessage(publishedDelivery));

// A newer producer: the same event with a payload field and a header this contract version does not know.
const original = toEventMessage(publishedDelivery);
const newerOptions = toPublishOptions({ ...original, id: `${original.id}-newer` });
channel.sendToQueue(queue, Buffer.from(JSON.stringify({ ...published, launched: 2009 })), { ...newerOptions, headers: { ...newerOptions.headers, 'x-producer-version': 2 } });
// And a message that breaks the contract: no cost.
channel.sendToQueue(queue, Buffer.from(JSON.stringify({ id, name, publisher: 'Events Inc.' })), toPublishOptions({ ...original, id: `${original.id}-broken` }));
const [newer] = await received(1, (delivery) => delivery.properties.messageId === `${original.id}-newer`);
const [broken] = await received(1, (delivery) => delivery.properties.messageId === `${original.id}-broken`);
const tolerant = toEventMessage(newer!);
let refused: unknown;
try {
  decodePlatformEventsMessage(toEventMessage(broken!));
} catch (error) {
  refused = error instanceof EventContractError ? { code: error.code, message: error.message, details: error.details } : String(error);
}
await connection.close();

const { properties } = publishedDelivery;
report({
  id,
  published,
  properties: { type: properties.type, appId: properties.appId, contentType: properties.contentType, deliveryMode: properties.deliveryMode, messageId: typeof properties.messageId },
  events,
  tolerant: { payload: decodePlatformEventsMessage(tolerant).payload, header: tolerant.metadata['x-producer-version'] },
  refused,
});
