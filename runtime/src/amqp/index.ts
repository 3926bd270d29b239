export { createAmqpConnection } from './connection.ts';
export type { AmqpConnection, AmqpConnectionOptions, ConnectionState } from './connection.ts';
export { declareTopology, subscriptionTopology } from './topology.ts';
export type { BindingDescription, ExchangeDescription, QueueDescription, SubscriptionTopologyOptions, Topology } from './topology.ts';
export { createAmqpPublisher } from './publisher.ts';
export type { AmqpPublisher, AmqpPublisherOptions } from './publisher.ts';
export { createAmqpSubscriber } from './subscriber.ts';
export type { AmqpSubscriber, AmqpSubscriberOptions } from './subscriber.ts';
export { fromDelivery, toPublishOptions } from './message-mapping.ts';
