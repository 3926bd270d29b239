/**
 * The Prometheus metrics of one part (prom-client), served at `/metrics` on its HTTP listener.
 * Every label takes values from a bounded set: operation ids and RPC methods come from the
 * contracts, status codes are numbers, message types are clamped (a hostile producer cannot grow
 * the series without bound). Recording is a cached child lookup plus an add: no allocation for a
 * label set seen before.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Seconds; from 1 ms to 10 s, the range of requests, calls and message handling here. */
const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** At most this many distinct message types per part; any further type is counted as `other`. */
const maxMessageTypes = 32;
const messageTypePattern = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

export interface OutboxState {
  readonly pending: number;
  /** Age of the oldest pending record in seconds; 0 when none is pending. */
  readonly oldestAgeSeconds: number;
}

export interface ReadinessState {
  readonly checks: Readonly<Record<string, { readonly ok: boolean }>>;
}

export type MessageOutcome = 'handled' | 'dead-lettered' | 'requeued';

/** The instruments of one part; the runtime's REST, gRPC, outbox and consumer code record into them. */
export interface PartMetrics {
  readonly registry: Registry;
  /** One answered HTTP request. `operation` is the contract's operationId, or the infrastructure route. */
  httpRequest(operation: string, method: string, status: number, seconds: number): void;
  /** One finished RPC. `code` is the gRPC status name (`ok`, `not_found`, ...). */
  rpc(service: string, method: string, code: string, seconds: number): void;
  /** Messages the broker confirmed (or failed to). */
  published(type: string, count: number): void;
  publishFailed(type: string, count: number): void;
  /** A message taken from a queue; `redelivered` when the transport delivered it before (AMQP's redelivered flag). */
  delivery(type: string, redelivered: boolean): void;
  /** A handler attempt after the first, by the retry middleware. */
  retry(type: string): void;
  /** The end of one delivery's handling. */
  handled(type: string, outcome: MessageOutcome, seconds: number): void;
  /** Where the outbox gauges are read from at scrape time (the last call wins). */
  observeOutbox(read: () => Promise<OutboxState>): void;
  /** Where the readiness gauges are read from at scrape time (the last call wins). */
  observeReadiness(read: () => Promise<ReadinessState>): void;
}

/** Creates the registry and instruments of part `name`, with Node's process and event-loop metrics. */
export function createPartMetrics(name: string): PartMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ part: name });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // prom-client also names three gauges `..._total`, a suffix Prometheus reserves for counters
  // (promtool rejects them); `nodejs_active_handles`, `..._requests` and `..._resources` remain.
  for (const misnamed of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(misnamed);

  const http = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'HTTP requests answered, by contract operation (operationId, or the infrastructure route), method and status.',
    labelNames: ['operation', 'method', 'status'] as const,
    buckets: durationBuckets,
    registers,
  });
  const rpc = new Histogram({
    name: 'rpc_server_duration_seconds',
    help: 'RPCs served (gRPC, gRPC-Web, Connect), by service, method and status code.',
    labelNames: ['rpc_service', 'rpc_method', 'rpc_code'] as const,
    buckets: durationBuckets,
    registers,
  });
  const published = new Counter({ name: 'events_published_total', help: 'Events the broker confirmed, by message type.', labelNames: ['type'] as const, registers });
  const publishFailures = new Counter({ name: 'events_publish_failures_total', help: 'Events whose publish was not confirmed (they stay in the outbox and are retried), by message type.', labelNames: ['type'] as const, registers });
  const deliveries = new Counter({ name: 'events_deliveries_total', help: 'Messages taken from a queue, by message type.', labelNames: ['type'] as const, registers });
  const redeliveries = new Counter({ name: 'events_redeliveries_total', help: 'Deliveries the broker flagged as redelivered (requeued after a nack, or unacked when a channel or consumer went away), by message type.', labelNames: ['type'] as const, registers });
  const retries = new Counter({ name: 'events_retries_total', help: 'Handler attempts after the first (retry middleware), by message type.', labelNames: ['type'] as const, registers });
  const deadLetters = new Counter({ name: 'events_dead_letters_total', help: 'Messages dead-lettered, by message type.', labelNames: ['type'] as const, registers });
  const handling = new Histogram({
    name: 'events_handling_duration_seconds',
    help: 'Time from delivery to ack, dead letter or requeue, by message type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    buckets: durationBuckets,
    registers,
  });

  let readOutbox: (() => Promise<OutboxState>) | undefined;
  let outboxNow: Promise<OutboxState | undefined> | undefined;
  // One outbox query per scrape, shared by both gauges.
  const outbox = (): Promise<OutboxState | undefined> => {
    outboxNow ??= (readOutbox?.() ?? Promise.resolve(undefined)).catch(() => undefined).finally(() => setImmediate(() => (outboxNow = undefined)));
    return outboxNow;
  };
  new Gauge({
    name: 'outbox_pending_events',
    help: 'Events written to the outbox and not yet confirmed by the broker.',
    registers,
    async collect() {
      const state = await outbox();
      if (state !== undefined) this.set(state.pending);
    },
  });
  new Gauge({
    name: 'outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest event still waiting in the outbox; 0 when none waits.',
    registers,
    async collect() {
      const state = await outbox();
      if (state !== undefined) this.set(state.oldestAgeSeconds);
    },
  });
  let readReadiness: (() => Promise<ReadinessState>) | undefined;
  new Gauge({
    name: 'readiness_check_ok',
    help: 'Each readiness check of /readyz: 1 ok, 0 not (check="startup-sync" is the start-up sync state).',
    labelNames: ['check'] as const,
    registers,
    async collect() {
      if (readReadiness === undefined) return;
      const report = await readReadiness().catch(() => undefined);
      this.reset();
      for (const [check, result] of Object.entries(report?.checks ?? {})) this.set({ check }, result.ok ? 1 : 0);
    },
  });

  // By operation, method and status: constant strings and a number as keys, no key string made per request.
  const httpChildren = new Map<string, Map<string, Map<number, ReturnType<typeof http.labels>>>>();
  const rpcChildren = new Map<string, ReturnType<typeof rpc.labels>>();
  const types = new Set<string>();
  const typeLabel = (type: string): string => {
    if (types.has(type)) return type;
    if (types.size >= maxMessageTypes || !messageTypePattern.test(type)) return 'other';
    types.add(type);
    return type;
  };

  return {
    registry,
    httpRequest(operation, method, status, seconds) {
      let byMethod = httpChildren.get(operation);
      if (byMethod === undefined) httpChildren.set(operation, (byMethod = new Map()));
      let byStatus = byMethod.get(method);
      if (byStatus === undefined) byMethod.set(method, (byStatus = new Map()));
      let child = byStatus.get(status);
      if (child === undefined) byStatus.set(status, (child = http.labels(operation, method, String(status))));
      child.observe(seconds);
    },
    rpc(service, method, code, seconds) {
      const key = `${service}/${method} ${code}`;
      let child = rpcChildren.get(key);
      if (child === undefined) rpcChildren.set(key, (child = rpc.labels(service, method, code)));
      child.observe(seconds);
    },
    published: (type, count) => published.inc({ type: typeLabel(type) }, count),
    publishFailed: (type, count) => publishFailures.inc({ type: typeLabel(type) }, count),
    delivery(type, redelivered) {
      const label = typeLabel(type);
      deliveries.inc({ type: label });
      if (redelivered) redeliveries.inc({ type: label });
    },
    retry: (type) => retries.inc({ type: typeLabel(type) }),
    handled(type, outcome, seconds) {
      const label = typeLabel(type);
      if (outcome === 'dead-lettered') deadLetters.inc({ type: label });
      handling.observe({ type: label, outcome }, seconds);
    },
    observeOutbox(read) {
      readOutbox = read;
    },
    observeReadiness(read) {
      readReadiness = read;
    },
  };
}
