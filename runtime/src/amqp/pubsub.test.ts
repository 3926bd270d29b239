import { describePubSubConformance } from '../messaging/pubsub.conformance.ts';
import type { Subscriber } from '../messaging/message.ts';
import { createAmqpPublisher } from './publisher.ts';
import { createAmqpSubscriber } from './subscriber.ts';
import { brokerUrl, deleteBrokerObjects, uniqueName } from './testing.ts';

describePubSubConformance('AMQP transport', async () => {
  const exchange = uniqueName('conformance');
  const queue = `${exchange}.queue`;
  const deadLetter = { exchange: `${exchange}.dlx`, queue: `${queue}.dlq` };
  const publisher = createAmqpPublisher({ url: brokerUrl, exchange, connectionName: `${exchange}-publisher` });
  const subscribers: Subscriber[] = [];
  await publisher.connection.ready();
  return {
    publisher,
    newSubscriber() {
      const subscriber = createAmqpSubscriber({ url: brokerUrl, connectionName: `${exchange}-subscriber`, exchange, queue, deadLetter, prefetch: 10, requeueDelay: 10 });
      subscribers.push(subscriber);
      return subscriber;
    },
    async cleanup() {
      await Promise.all(subscribers.map((subscriber) => subscriber.close()));
      await publisher.close();
      await deleteBrokerObjects({ queues: [queue, deadLetter.queue], exchanges: [exchange, deadLetter.exchange] });
    },
  };
});
