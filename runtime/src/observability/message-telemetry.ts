import { SpanKind, SpanStatusCode, context } from '@opentelemetry/api';
import type { Message, Middleware, Publisher } from '../messaging/message.ts';
import { isRedelivered, metadataKeys } from '../messaging/metadata.ts';
import { runWithLogFields } from './log-context.ts';
import type { PartTelemetry } from './telemetry.ts';
import { traceIdOf } from './trace-context.ts';
import { startSpan } from './tracing.ts';
import type { ActiveSpan } from './tracing.ts';

const typeOf = (message: Message, fallback = 'unknown'): string => message.metadata[metadataKeys.type] ?? fallback;

/** The consumer's instruments, as three middlewares around the correlation, dead-letter and retry ones. */
export interface ConsumerTelemetry {
  /** Outermost: counts the delivery (a redelivery when the transport flags it so), times its handling, opens the consumer span, binds log fields. */
  readonly delivery: Middleware;
  /** Between dead-letter and retry: a rejection here is the retries given up on, so a dead letter. */
  readonly deadLetter: Middleware;
  /** Innermost, under retry: every call after a message's first is a retry. */
  readonly attempt: Middleware;
}

/** Instruments the consumer of `queue`. */
export function consumerTelemetry(telemetry: PartTelemetry, queue: string): ConsumerTelemetry {
  const { metrics, tracing } = telemetry;
  const attempts = new WeakMap<Message, number>();
  const givenUp = new WeakSet<Message>();
  return {
    delivery: (next) => async (message) => {
      const started = performance.now();
      const type = typeOf(message);
      const redelivered = isRedelivered(message);
      metrics?.delivery(type, redelivered);
      const parent = message.metadata[metadataKeys.traceparent];
      let active: ActiveSpan | undefined;
      if (tracing !== undefined) {
        active = startSpan(tracing.tracer, `${queue} process`, SpanKind.CONSUMER, parent, {
          'messaging.system': 'rabbitmq',
          'messaging.operation.type': 'process',
          'messaging.destination.name': queue,
          'messaging.message.id': message.id,
          'messaging.message.type': type,
        });
      }
      const traceId = active?.span.spanContext().traceId ?? traceIdOf(parent);
      const fields: Record<string, string> = traceId === undefined ? { messageId: message.id } : { messageId: message.id, traceId };
      const handle = () => runWithLogFields(fields, () => next(message));
      let outcome: 'handled' | 'dead-lettered' | 'requeued' = 'handled';
      try {
        await (active === undefined ? handle() : context.with(active.context, handle));
        if (givenUp.has(message)) outcome = 'dead-lettered';
      } catch (error) {
        outcome = 'requeued';
        active?.span.recordException(error as Error);
        throw error;
      } finally {
        metrics?.handled(type, outcome, (performance.now() - started) / 1000);
        if (active !== undefined) {
          active.span.setAttribute('messaging.outcome', outcome);
          if (outcome !== 'handled') active.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
          active.span.end();
        }
      }
    },
    deadLetter: (next) => async (message) => {
      try {
        await next(message);
      } catch (error) {
        givenUp.add(message);
        throw error;
      }
    },
    attempt: (next) => (message) => {
      const attempt = (attempts.get(message) ?? 0) + 1;
      attempts.set(message, attempt);
      if (attempt > 1) metrics?.retry(typeOf(message));
      return next(message);
    },
  };
}

/**
 * The relay's publisher, measured: confirmed and failed messages by type and, with tracing on, a
 * producer span per message, child of the request that wrote its outbox row (the row's
 * `traceparent`); the message then carries the span's traceparent, so the consumer's span is its child.
 */
export function publisherTelemetry(telemetry: PartTelemetry, publisher: Publisher, exchange: string): Publisher {
  const { metrics, tracing } = telemetry;
  const count = (messages: readonly Message[], topic: string, record: (type: string, count: number) => void): void => {
    for (const message of messages) record(typeOf(message, topic), 1);
  };
  return {
    async publish(topic, messages) {
      let spans: ActiveSpan[] | undefined;
      let sent = messages;
      if (tracing !== undefined) {
        spans = messages.map((message) =>
          startSpan(tracing.tracer, `${topic} publish`, SpanKind.PRODUCER, message.metadata[metadataKeys.traceparent], {
            'messaging.system': 'rabbitmq',
            'messaging.operation.type': 'send',
            'messaging.destination.name': exchange,
            'messaging.rabbitmq.destination.routing_key': topic,
            'messaging.message.id': message.id,
          }),
        );
        sent = messages.map((message, index) => ({ ...message, metadata: { ...message.metadata, [metadataKeys.traceparent]: (spans as ActiveSpan[])[index]?.traceparent as string } }));
      }
      try {
        await publisher.publish(topic, sent);
        if (metrics !== undefined) count(messages, topic, metrics.published);
      } catch (error) {
        if (metrics !== undefined) count(messages, topic, metrics.publishFailed);
        for (const active of spans ?? []) active.span.setStatus({ code: SpanStatusCode.ERROR, message: 'not confirmed' });
        throw error;
      } finally {
        for (const active of spans ?? []) active.span.end();
      }
    },
    close: () => publisher.close(),
  };
}
