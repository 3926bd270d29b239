/**
 * Event messages for one queue of the AsyncAPI contract: valid ones (payload from the message's
 * schema, metadata from its headers schema, AMQP properties as the platform's transport sets
 * them) and mutated ones (event-mutations.ts). A generated plan is turned into a message only
 * when it is sent, against the producer's histories as they are then (catalogue-model.ts), so
 * versions stay those a real producer could have sent however fast-check orders or repeats runs.
 */
import { randomUUID } from 'node:crypto';
import * as fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { type EventIntent, type LifecycleEvent, type Producer, lifecycle } from './catalogue-model.ts';
import type { EventMessageContract, EventQueueContract } from './event-contract.ts';
import { type Expectation, type Mutation, mutationsOf } from './event-mutations.ts';
import { eventValuesOf } from './event-values.ts';
import { type Publish, toPublish } from './wire.ts';

/** How many platforms are in play at once: few enough that events of one platform meet often. */
export const platformSlots = 6;

/** What to send, before it is tied to a platform's history. */
export interface MessagePlan {
  readonly message: EventMessageContract;
  readonly intent: EventIntent;
  readonly metadata: Readonly<Record<string, unknown>>;
  /** For a replay: deliver it again with the message id it was first sent with (a redelivery), not a new one (a republish). */
  readonly redeliver: boolean;
  readonly mutation: Mutation | undefined;
}

/** One message as sent, and what the consumer must make of it. */
export interface FuzzMessage {
  /** `valid`, or the mutation's kind. */
  readonly kind: string;
  readonly type: string;
  readonly publish: Publish;
  readonly expect: Expectation;
  /** The event the consumer applies when it accepts the message; undefined for a message whose effect the model does not know. */
  readonly event: LifecycleEvent | undefined;
}

/** A plan for a message of `message`: payload and metadata from its schemas, replays only when `replays`. */
function planOf(message: EventMessageContract, replays: boolean, mutation: Arbitrary<Mutation | undefined>): Arbitrary<MessagePlan> {
  return fc.record({
    message: fc.constant(message),
    intent: fc.record({
      slot: fc.nat({ max: platformSlots - 1 }),
      type: fc.constant(message.type),
      payload: eventValuesOf(message.payload) as Arbitrary<Record<string, unknown>>,
      replay: replays ? fc.option(fc.nat(), { freq: 3 }).map((value) => value ?? undefined) : fc.constant(undefined),
    }),
    // What a producer sets: the required keys and its own optional ones, not those reserved for dead letters (x-...).
    metadata: eventValuesOf(message.metadata, (key) => !key.startsWith('x-')) as Arbitrary<Record<string, unknown>>,
    redeliver: fc.boolean(),
    mutation,
  });
}

/** Valid messages of any type the queue receives, with replays of earlier events (duplicates, late ones). */
export function validPlans(queue: EventQueueContract): Arbitrary<MessagePlan> {
  return fc.oneof(...queue.messages.map((message) => planOf(message, true, fc.constant(undefined))));
}

/** Messages of `message` with one mutation each; never replays, so each stands for an event of its own. */
export function mutatedPlans(message: EventMessageContract): Arbitrary<MessagePlan> {
  return planOf(message, false, mutationsOf(message));
}

/** Ties a plan to the producer's histories and puts it on the wire. */
export function materialize(plan: MessagePlan, producer: Producer): FuzzMessage {
  const known = lifecycle[plan.message.type] !== undefined;
  const event = known ? producer.next(plan.intent) : undefined;
  const messageId = plan.intent.replay !== undefined && plan.redeliver && event?.messageId !== undefined ? event.messageId : randomUUID();
  if (event !== undefined) event.messageId ??= messageId;
  const draft = {
    routingKey: plan.message.type,
    payload: event?.payload ?? plan.intent.payload,
    // A correlation id of its own (the producer's request id), by which its outcome is found.
    metadata: { ...plan.metadata, correlationId: randomUUID() },
    messageId,
  };
  const publish = toPublish(plan.mutation?.apply(draft) ?? draft);
  const expect = plan.mutation?.expect ?? { outcome: 'accept' };
  // What the consumer applies of an accepted message: the payload as sent (odd text included), with the event's id and version.
  const applied = event !== undefined && expect.outcome === 'accept' ? { ...event, payload: JSON.parse(publish.body.toString('utf8')) as Record<string, unknown> } : undefined;
  return { kind: plan.mutation?.kind ?? 'valid', type: plan.message.type, publish, expect, event: applied };
}
