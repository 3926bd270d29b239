/**
 * Upgrading an installation of contract 2.0.0 (issue 17): its classic queue still holds platform
 * events and its classic dead-letter queue a dead letter when commands-service starts with the
 * quorum queues that replace them. The service applies every waiting event, keeps the dead
 * letter, and the classic queues end deleted. The steps themselves: runtime/src/amqp/queue-migration.test.ts.
 */
import { declareTopology, subscriptionTopology } from '@platform/runtime/amqp';
import { deleteBrokerObjects, eventually, queueExists, withAdminChannel } from '@platform/runtime/amqp/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlatformEventNames } from '../service.ts';
import { type RawPublisher, connectRawPublisher, nextMessage, uniqueBrokerNames } from '../testing/broker.ts';
import { type TestService, startTestService } from '../testing/service-fixture.ts';

describe('commands-service started on the classic queues of contract 2.0.0', () => {
  const base = uniqueBrokerNames();
  const old = { queue: base.events.queue, deadLetterQueue: base.events.deadLetterQueue };
  const names: PlatformEventNames = {
    exchange: base.events.exchange,
    deadLetterExchange: base.events.deadLetterExchange,
    queue: `${old.queue}.v2`,
    deadLetterQueue: `${old.queue}.v2.dlq`,
    replacedQueues: [old.queue],
    replacedDeadLetterQueues: [old.deadLetterQueue],
  };
  let raw: RawPublisher | undefined;
  let app: TestService | undefined;

  afterAll(async () => {
    await app?.stop();
    await raw?.close();
    await deleteBrokerObjects({ queues: [old.queue, old.deadLetterQueue, names.queue, names.deadLetterQueue], exchanges: [names.exchange, names.deadLetterExchange] });
  });

  it('applies-every-event-waiting-in-the-classic-queue-keeps-its-dead-letters-and-deletes-both', async () => {
    // The installation as 2.0.0 left it: classic queues, 40 events waiting, one dead letter.
    await withAdminChannel((channel) =>
      declareTopology(channel, subscriptionTopology({ exchange: names.exchange, queue: old.queue, routingKeys: ['platform.published', 'platform.updated', 'platform.deleted'], deadLetter: { exchange: names.deadLetterExchange, queue: old.deadLetterQueue } })),
    );
    raw = await connectRawPublisher();
    const waiting = Array.from({ length: 20 }, (_, index) => [
      { type: 'platform.published', payload: { id: index + 1, name: `platform ${index + 1}`, publisher: 'Example', cost: 'Free' } },
      { type: 'platform.updated', payload: { id: index + 1, name: `platform ${index + 1} v2`, publisher: 'Example', cost: 'Free', version: 2 } },
    ]).flat();
    await raw.publish(names.exchange, waiting);
    await withAdminChannel(async (channel) => void channel.publish(names.deadLetterExchange, old.queue, Buffer.from('{}'), { messageId: 'dead-1', persistent: true, headers: { 'x-dead-letter-reason': 'poison' } }));
    await eventually(async () => (await raw!.depth(old.queue)) === 40 && (await raw!.depth(old.deadLetterQueue)) === 1);

    app = await startTestService({
      env: { AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672', AMQP_CONNECTION_NAME: base.connectionName },
      eventNames: names,
    });

    const expected = Array.from({ length: 20 }, (_, index) => ({ id: index + 1, name: `platform ${index + 1} v2` }));
    await eventually(async () => JSON.stringify((await app!.client.GET('/api/c/platforms')).data) === JSON.stringify(expected));
    await eventually(async () => !(await queueExists(old.queue)) && !(await queueExists(old.deadLetterQueue)));
    expect((await nextMessage(raw, names.deadLetterQueue)).properties.messageId).toBe('dead-1');
  });
});
