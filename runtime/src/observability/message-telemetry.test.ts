import { describe, expect, it } from 'vitest';
import type { Handler, Message, Middleware } from '../messaging/index.ts';
import { createDeadLetterMiddleware, createRetryMiddleware } from '../messaging/index.ts';
import { currentLogFields } from './log-context.ts';
import { consumerTelemetry } from './message-telemetry.ts';
import { createPartMetrics } from './metrics.ts';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const message = (id: string, redelivered = false): Message => ({
  id,
  payload: new Uint8Array(),
  metadata: { type: 'platform.published', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, ...(redelivered ? { redelivered: 'true' } : {}) },
});

function consumer(handler: Handler, name: string) {
  const metrics = createPartMetrics(name);
  const telemetry = consumerTelemetry({ name, metrics, tracing: undefined }, 'test.queue');
  const deadLetters: Message[] = [];
  const chain: Middleware[] = [
    telemetry.delivery,
    createDeadLetterMiddleware({ publisher: { publish: async (_topic, messages) => void deadLetters.push(...messages), close: async () => {} }, topic: 'test.queue.dlq' }),
    telemetry.deadLetter,
    createRetryMiddleware({ maxRetries: 2, initialInterval: 1, maxInterval: 1 }),
    telemetry.attempt,
  ];
  return { handle: chain.reduceRight<Handler>((next, middleware) => middleware(next), handler), metrics, deadLetters };
}

describe('consumerTelemetry', () => {
  it('counts-deliveries-redeliveries-retries-and-dead-letters-per-type', async () => {
    let calls = 0;
    const { handle, metrics, deadLetters } = consumer(async () => {
      calls++;
      if (calls <= 4) throw new Error('cannot write: database down');
    }, 'message-telemetry-a');
    await handle(message('m-1')); // three attempts fail: dead-lettered
    await handle(message('m-2', true)); // flagged as redelivered by the transport; first attempt fails, the retry succeeds
    await handle(message('m-1')); // the same id again, not flagged (a replay from the outbox): no redelivery
    expect(deadLetters).toHaveLength(1);
    const text = await metrics.registry.metrics();
    expect(text).toContain('events_deliveries_total{type="platform.published",part="message-telemetry-a"} 3');
    expect(text).toContain('events_redeliveries_total{type="platform.published",part="message-telemetry-a"} 1');
    expect(text).toContain('events_retries_total{type="platform.published",part="message-telemetry-a"} 3');
    expect(text).toContain('events_dead_letters_total{type="platform.published",part="message-telemetry-a"} 1');
    expect(text).toContain('events_handling_duration_seconds_count{part="message-telemetry-a",type="platform.published",outcome="handled"} 2');
  });

  it('gives-every-log-line-of-the-handling-the-message-id-and-trace-id', async () => {
    let fields: Record<string, string> = {};
    const { handle } = consumer(async () => {
      fields = currentLogFields();
    }, 'message-telemetry-b');
    await handle(message('m-2'));
    expect(fields).toEqual({ messageId: 'm-2', traceId });
    expect(currentLogFields()).toEqual({});
  });
});
