/**
 * The telemetry of each part of the process, found by its name: `npm start` runs three parts in
 * one process, each with its own `/metrics` and its own `service.name` on spans. The runtime's
 * REST, gRPC, outbox and consumer code find it from the logger they are given (its `service`
 * binding, set by createLogger), so a part needs no wiring of its own.
 */
import { boolean, integer, oneOf, optional, optionalUrl, readConfig } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { createPartMetrics } from './metrics.ts';
import type { PartMetrics } from './metrics.ts';
import { createPartTracing, loadTracingSdk } from './tracing.ts';
import type { PartTracing } from './tracing.ts';
import { spanBatchDefaults, spanBatchLimits } from './span-batch-defaults.ts';
import type { SpanBatchOptions } from './span-batch-processor.ts';
import type { OtlpProtocol } from './tracing-sdk.ts';

export interface PartTelemetry {
  readonly name: string;
  /** Undefined when metrics are off (METRICS_ENABLED=false): no /metrics, nothing recorded. */
  readonly metrics: PartMetrics | undefined;
  /** Undefined when tracing is off (no OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly tracing: PartTracing | undefined;
}

const otlpProtocols: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

/** The observability settings: the standard OpenTelemetry variables, read once. */
export const telemetrySettings = {
  /** OTLP/HTTP collector base URL (`http://collector:4318`); traces go to `<it>/v1/traces`. Unset: tracing off. */
  otlpEndpoint: optionalUrl('OTEL_EXPORTER_OTLP_ENDPOINT', { protocols: ['http:', 'https:'] }),
  /** The OTLP/HTTP body encoding: `http/protobuf` (the OpenTelemetry default) or `http/json`. */
  otlpProtocol: oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', otlpProtocols, 'http/protobuf'),
  /** The traces' own encoding, over OTEL_EXPORTER_OTLP_PROTOCOL (the specification's per-signal variable). */
  otlpTracesProtocol: optional(oneOf('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', otlpProtocols)),
  /** Prometheus metrics at /metrics. Default true; false serves no /metrics and records nothing. */
  metricsEnabled: boolean('METRICS_ENABLED', true),
  /** Longest a finished span waits for its batch to fill before the batch is exported, in ms. */
  spanScheduleDelay: integer('OTEL_BSP_SCHEDULE_DELAY', spanBatchDefaults.scheduledDelayMillis, { min: 0, max: spanBatchLimits.maxTimerMillis }),
  /** Longest one export may take, retries included, in ms; past it the batch is given up and reported. */
  spanExportTimeout: integer('OTEL_BSP_EXPORT_TIMEOUT', spanBatchDefaults.exportTimeoutMillis, { min: 1, max: spanBatchLimits.maxTimerMillis }),
  /** Most spans waiting for export; spans past it are dropped. */
  spanQueueSize: integer('OTEL_BSP_MAX_QUEUE_SIZE', spanBatchDefaults.maxQueueSize, { min: 1 }),
  /** Most spans in one export request (at most OTEL_BSP_MAX_QUEUE_SIZE). */
  spanBatchSize: integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', spanBatchDefaults.maxExportBatchSize, { min: 1 }),
};

const parts = new Map<string, PartTelemetry>();
interface Settings {
  readonly otlpEndpoint: string | undefined;
  readonly otlpProtocol: OtlpProtocol;
  readonly metricsEnabled: boolean;
  readonly spanBatch: SpanBatchOptions;
}
let settings: Settings | undefined;

/** Sets what parts created from now on get (default: the OTEL_EXPORTER_OTLP_* variables and METRICS_ENABLED of the process); then `await loadTelemetry()`. */
export function configureTelemetry(options: { readonly otlpEndpoint: string | undefined; readonly otlpProtocol?: OtlpProtocol; readonly metricsEnabled?: boolean; readonly spanBatch?: SpanBatchOptions }): void {
  settings = { otlpEndpoint: options.otlpEndpoint, otlpProtocol: options.otlpProtocol ?? 'http/protobuf', metricsEnabled: options.metricsEnabled ?? true, spanBatch: options.spanBatch ?? {} };
}

function currentSettings(): Settings {
  if (settings === undefined) {
    const read = readConfig(telemetrySettings, process.env);
    const spanBatch = { scheduledDelayMillis: read.spanScheduleDelay, exportTimeoutMillis: read.spanExportTimeout, maxQueueSize: read.spanQueueSize, maxExportBatchSize: read.spanBatchSize };
    settings = { otlpEndpoint: read.otlpEndpoint, otlpProtocol: read.otlpTracesProtocol ?? read.otlpProtocol, metricsEnabled: read.metricsEnabled, spanBatch };
  }
  return settings;
}

/**
 * Loads what the configured telemetry needs before the first part is created (runService does):
 * the OpenTelemetry SDK when an OTLP endpoint is set, nothing otherwise, so a part without a
 * collector never holds the SDK in memory.
 */
export async function loadTelemetry(): Promise<void> {
  if (currentSettings().otlpEndpoint !== undefined) await loadTracingSdk();
}

/** The telemetry of part `name`, created on first use (after `loadTelemetry()` when traces are configured). */
export function partTelemetry(name: string): PartTelemetry {
  let part = parts.get(name);
  if (part === undefined) {
    const { otlpEndpoint, otlpProtocol, metricsEnabled, spanBatch } = currentSettings();
    part = { name, metrics: metricsEnabled ? createPartMetrics(name) : undefined, tracing: otlpEndpoint === undefined ? undefined : createPartTracing(name, otlpEndpoint, otlpProtocol, spanBatch) };
    parts.set(name, part);
  }
  return part;
}

/** The telemetry of the part `logger` belongs to (its `service` binding; `unknown` without one). */
export function telemetryOf(logger: Logger): PartTelemetry {
  const service = (logger.bindings() as { service?: unknown }).service;
  return partTelemetry(typeof service === 'string' ? service : 'unknown');
}

/** Exports the spans still buffered by every part; for the end of a process. */
export async function flushTelemetry(): Promise<void> {
  await Promise.all([...parts.values()].map((part) => part.tracing?.flush().catch(() => undefined)));
}
