import type { ConsumeMessage, MessageProperties } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { metadataKeys } from '../messaging/metadata.ts';
import { fromDelivery, toPublishOptions } from './message-mapping.ts';

/** A delivery as amqplib hands it over, with the given properties and headers of any value (the others unset). */
function delivery(properties: Partial<Omit<MessageProperties, 'headers'>> & { headers?: Record<string, unknown> }, content = '{}', redelivered = false): ConsumeMessage {
  return {
    content: Buffer.from(content),
    fields: { deliveryTag: 1, redelivered, exchange: 'x', routingKey: 'k', consumerTag: 'c' },
    properties: { headers: {}, ...properties } as MessageProperties,
  };
}

describe('AMQP message mapping', () => {
  it('maps-properties-and-headers-back-to-the-metadata-they-were-made-from', () => {
    const metadata = { contentType: 'application/json', type: 'platform.published', appId: 'platform-service', correlationId: 'r-1', timestamp: '1767225600000', traceparent: 't' };
    const options = toPublishOptions({ id: 'm-1', payload: new Uint8Array(), metadata });
    const message = fromDelivery(delivery({ ...options, headers: options.headers }));
    expect(message.id).toBe('m-1');
    expect(message.metadata).toEqual(metadata);
  });

  it('maps-the-redelivered-flag-to-redelivered-metadata-and-never-publishes-it', () => {
    expect(fromDelivery(delivery({}, '{}', true)).metadata).toEqual({ [metadataKeys.redelivered]: 'true' });
    expect(fromDelivery(delivery({}, '{}', false)).metadata).toEqual({});
    // A dead letter or republished copy of a redelivered message is a new delivery: the flag stays behind.
    expect(toPublishOptions({ id: 'm-1', payload: new Uint8Array(), metadata: { [metadataKeys.redelivered]: 'true', traceparent: 't' } }).headers).toEqual({ traceparent: 't' });
  });

  it.each([metadataKeys.contentType, metadataKeys.type, metadataKeys.appId, metadataKeys.correlationId, metadataKeys.timestamp, metadataKeys.redelivered])(
    'never-takes-a-header-named-%s-for-the-missing-property',
    (key) => {
      // A message without the property, say without a content type, stays without one: the contract requires the property.
      const message = fromDelivery(delivery({ headers: { [key]: key === metadataKeys.timestamp ? '1767225600000' : key === metadataKeys.redelivered ? 'true' : 'application/json' } }));
      expect(message.metadata).not.toHaveProperty(key);
    },
  );

  it('keeps-the-property-when-a-header-of-the-same-name-disagrees', () => {
    const message = fromDelivery(delivery({ contentType: 'application/json', type: 'platform.updated', headers: { contentType: 'text/plain', type: 'platform.deleted' } }));
    expect(message.metadata).toMatchObject({ contentType: 'application/json', type: 'platform.updated' });
  });
});

describe('the x-death header', () => {
  it('becomes-the-sum-of-its-counts', () => {
    const deaths = [{ count: 2, reason: 'rejected', queue: 'q' }, { count: 3, reason: 'expired', queue: 'q' }];
    expect(fromDelivery(delivery({ headers: { 'x-death': deaths } })).metadata[metadataKeys.deathCount]).toBe('5');
  });

  it.each([
    ['a-negative-count', [{ count: -1 }], '0'],
    ['a-fraction', [{ count: 1.5 }, { count: 2 }], '2'],
    ['a-count-as-text', [{ count: '2' }], '0'],
    ['a-count-beyond-safe-integers', [{ count: 2 ** 60 }], '0'],
    ['entries-that-are-not-objects', [null, 7, 'x'], '0'],
    ['a-value-that-is-not-a-list', 'rejected', '0'],
  ])('counts-only-whole-counts-when-a-client-forged-%s', (_case, value, expected) => {
    // Found by the event fuzzer: `-1` or `1.5` became an x-death-count the contract's pattern refuses, dead-lettering a valid event.
    expect(fromDelivery(delivery({ headers: { 'x-death': value } })).metadata[metadataKeys.deathCount]).toBe(expected);
  });
});
