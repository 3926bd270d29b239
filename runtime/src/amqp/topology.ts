import type { Channel } from 'amqplib';

/** An exchange to declare; always durable. */
export interface ExchangeDescription {
  readonly name: string;
  /** Default `topic`. */
  readonly type?: 'topic' | 'direct' | 'fanout' | 'headers';
}

/** A queue to declare; always durable. */
export interface QueueDescription {
  readonly name: string;
  /** Exchange that receives the messages the broker dead-letters (`x-dead-letter-exchange`). */
  readonly deadLetterExchange?: string;
  /** Routing key of those dead letters (`x-dead-letter-routing-key`); default: their original key. */
  readonly deadLetterRoutingKey?: string;
  /** More `queue.declare` arguments (`x-queue-type`, `x-delivery-limit`, ...). */
  readonly arguments?: Readonly<Record<string, string | number | boolean>>;
}

/** Routes messages of `exchange` whose routing key matches `routingKey` (a topic pattern) to `queue`. */
export interface BindingDescription {
  readonly exchange: string;
  readonly queue: string;
  readonly routingKey: string;
}

/** A plain description of broker objects, declared idempotently (exchanges, then queues, then bindings). */
export interface Topology {
  readonly exchanges?: readonly ExchangeDescription[];
  readonly queues?: readonly QueueDescription[];
  readonly bindings?: readonly BindingDescription[];
}

/**
 * Declares the topology on `channel`. Declaring the same topology again changes nothing;
 * declaring an existing object with other settings fails (the broker closes the channel
 * with PRECONDITION_FAILED), so change a queue's arguments only under a new name.
 */
export async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  for (const exchange of topology.exchanges ?? []) {
    await channel.assertExchange(exchange.name, exchange.type ?? 'topic', { durable: true });
  }
  for (const queue of topology.queues ?? []) {
    const args: Record<string, string | number | boolean> = { ...queue.arguments };
    if (queue.deadLetterExchange !== undefined) args['x-dead-letter-exchange'] = queue.deadLetterExchange;
    if (queue.deadLetterRoutingKey !== undefined) args['x-dead-letter-routing-key'] = queue.deadLetterRoutingKey;
    await channel.assertQueue(queue.name, { durable: true, arguments: args });
  }
  for (const binding of topology.bindings ?? []) {
    await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey);
  }
}

/** What a subscription needs: its exchange, its queue and, optionally, where dead letters go. */
export interface SubscriptionTopologyOptions {
  /** Topic exchange the events are published to. */
  readonly exchange: string;
  /** Durable queue shared by every replica (competing consumers). */
  readonly queue: string;
  /** Routing keys (topic patterns) bound to the queue. */
  readonly routingKeys: readonly string[];
  /**
   * Dead-letter exchange (topic) and queue; dead letters carry the main queue's name as routing key.
   * `arguments`: the dead-letter queue's own `queue.declare` arguments; default `queueArguments`.
   */
  readonly deadLetter?: DeadLetterTopology;
  /** More `queue.declare` arguments of the queue (`x-queue-type`, `x-delivery-limit`, ...). */
  readonly queueArguments?: QueueArguments;
  /**
   * Older queues this one replaces (see queue-migration.ts). The dead-letter queue is also bound by
   * their names, so that what they (and consumers still reading them) dead-letter is kept.
   */
  readonly replaces?: readonly string[];
}

/** `queue.declare` arguments. */
export type QueueArguments = Readonly<Record<string, string | number | boolean>>;

/** Where a subscription's dead letters go. */
export interface DeadLetterTopology {
  readonly exchange: string;
  readonly queue: string;
  /** The dead-letter queue's `queue.declare` arguments (`x-queue-type`, ...). */
  readonly arguments?: QueueArguments;
}

/**
 * The topology of one subscription: durable topic exchange; durable queue bound by routing
 * key; with `deadLetter`, a durable topic DLX, the queue's `x-dead-letter-exchange` pointing
 * at it and the DLQ bound to it by the main queue's name.
 */
export function subscriptionTopology(options: SubscriptionTopologyOptions): Topology {
  const { exchange, queue, routingKeys, deadLetter } = options;
  const extra = options.queueArguments === undefined ? {} : { arguments: options.queueArguments };
  const bindings = routingKeys.map((routingKey) => ({ exchange, queue, routingKey }));
  if (deadLetter === undefined) {
    return { exchanges: [{ name: exchange }], queues: [{ name: queue, ...extra }], bindings };
  }
  const deadLetterArguments = deadLetter.arguments === undefined ? extra : { arguments: deadLetter.arguments };
  const deadLetterKeys = [queue, ...(options.replaces ?? [])];
  return {
    exchanges: [{ name: exchange }, { name: deadLetter.exchange }],
    // The dead-letter queue first: with at-least-once dead-lettering, the queue's dead letters need a target from the start.
    queues: [{ name: deadLetter.queue, ...deadLetterArguments }, { name: queue, deadLetterExchange: deadLetter.exchange, deadLetterRoutingKey: queue, ...extra }],
    bindings: [...bindings, ...deadLetterKeys.map((routingKey) => ({ exchange: deadLetter.exchange, queue: deadLetter.queue, routingKey }))],
  };
}
