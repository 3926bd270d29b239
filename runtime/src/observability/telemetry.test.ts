import { describe, expect, it } from 'vitest';
import { readConfig } from '../config/index.ts';
import { telemetrySettings } from './telemetry.ts';

describe('telemetry settings', () => {
  it('export traces as OTLP/HTTP protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL (or its traces variable) says http/json', () => {
    expect(readConfig(telemetrySettings, {})).toMatchObject({ otlpEndpoint: undefined, otlpProtocol: 'http/protobuf', otlpTracesProtocol: undefined });
    expect(readConfig(telemetrySettings, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toMatchObject({ otlpProtocol: 'http/json' });
    expect(readConfig(telemetrySettings, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toMatchObject({ otlpProtocol: 'http/protobuf', otlpTracesProtocol: 'http/json' });
  });

  it('batch spans as OTEL_BSP_* say, with the specification\'s defaults', () => {
    expect(readConfig(telemetrySettings, {})).toMatchObject({ spanScheduleDelay: 5000, spanExportTimeout: 30_000, spanQueueSize: 2048, spanBatchSize: 512 });
    expect(readConfig(telemetrySettings, { OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_BSP_MAX_QUEUE_SIZE: '100', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '10', OTEL_BSP_EXPORT_TIMEOUT: '2000' })).toMatchObject({ spanScheduleDelay: 200, spanQueueSize: 100, spanBatchSize: 10, spanExportTimeout: 2000 });
    expect(() => readConfig(telemetrySettings, { OTEL_BSP_MAX_QUEUE_SIZE: '0' })).toThrow(/OTEL_BSP_MAX_QUEUE_SIZE/);
    expect(() => readConfig(telemetrySettings, { OTEL_BSP_SCHEDULE_DELAY: 'soon' })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
    expect(() => readConfig(telemetrySettings, { OTEL_BSP_EXPORT_TIMEOUT: '0' })).toThrow(/OTEL_BSP_EXPORT_TIMEOUT/);
    // Past what a timer holds.
    expect(() => readConfig(telemetrySettings, { OTEL_BSP_SCHEDULE_DELAY: String(2 ** 31) })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
    expect(() => readConfig(telemetrySettings, { OTEL_BSP_EXPORT_TIMEOUT: String(2 ** 31) })).toThrow(/OTEL_BSP_EXPORT_TIMEOUT/);
  });

  it('refuse a protocol the exporter does not speak, naming the variable', () => {
    expect(() => readConfig(telemetrySettings, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL.*one of http\/protobuf, http\/json/);
  });
});
