/** `@platform/runtime/observability`: Prometheus metrics, OpenTelemetry traces and log fields of each part. */
export { currentLogFields, runWithLogFields } from './log-context.ts';
export type { LogFields } from './log-context.ts';
export { httpTelemetry, metricsPath, metricsRoute } from './http-telemetry.ts';
export type { OperationOf } from './http-telemetry.ts';
export { consumerTelemetry, publisherTelemetry } from './message-telemetry.ts';
export type { ConsumerTelemetry } from './message-telemetry.ts';
export { createPartMetrics } from './metrics.ts';
export type { MessageOutcome, OutboxState, PartMetrics, ReadinessState } from './metrics.ts';
export { rpcClientTelemetry, rpcTelemetry } from './rpc-telemetry.ts';
export { configureTelemetry, flushTelemetry, loadTelemetry, partTelemetry, telemetryOf, telemetrySettings } from './telemetry.ts';
export type { PartTelemetry } from './telemetry.ts';
export { spanContextOf, traceIdOf, traceparentOf } from './trace-context.ts';
export { createPartTracing, loadTracingSdk, startSpan } from './tracing.ts';
export type { ActiveSpan, PartTracing } from './tracing.ts';
