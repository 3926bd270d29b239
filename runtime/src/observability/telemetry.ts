/**
 * The telemetry of each part of the process, found by its name: `npm start` runs three parts in
 * one process, each with its own `/metrics` and its own `service.name` on spans. The runtime's
 * REST, gRPC, outbox and consumer code find it from the logger they are given (its `service`
 * binding, set by createLogger), so a part needs no wiring of its own.
 */
import { optionalUrl, readConfig } from '../config/index.ts';
import type { Logger } from '../logging/index.ts';
import { createPartMetrics } from './metrics.ts';
import type { PartMetrics } from './metrics.ts';
import { createPartTracing } from './tracing.ts';
import type { PartTracing } from './tracing.ts';

export interface PartTelemetry {
  readonly name: string;
  readonly metrics: PartMetrics;
  /** Undefined when tracing is off (no OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly tracing: PartTracing | undefined;
}

/** The observability settings: the standard OpenTelemetry variable, read once. */
export const telemetrySettings = {
  /** OTLP/HTTP collector base URL (`http://collector:4318`); traces go to `<it>/v1/traces`. Unset: tracing off. */
  otlpEndpoint: optionalUrl('OTEL_EXPORTER_OTLP_ENDPOINT', { protocols: ['http:', 'https:'] }),
};

const parts = new Map<string, PartTelemetry>();
let endpoint: { value: string | undefined } | undefined;

/** Sets where traces go, for parts created from now on (default: OTEL_EXPORTER_OTLP_ENDPOINT of the process). */
export function configureTelemetry(options: { readonly otlpEndpoint: string | undefined }): void {
  endpoint = { value: options.otlpEndpoint };
}

/** The telemetry of part `name`, created on first use. */
export function partTelemetry(name: string): PartTelemetry {
  let part = parts.get(name);
  if (part === undefined) {
    endpoint ??= { value: readConfig(telemetrySettings, process.env).otlpEndpoint };
    part = { name, metrics: createPartMetrics(name), tracing: endpoint.value === undefined ? undefined : createPartTracing(name, endpoint.value) };
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
