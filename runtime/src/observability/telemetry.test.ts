import { describe, expect, it } from 'vitest';
import { readConfig } from '../config/index.ts';
import { telemetrySettings } from './telemetry.ts';

describe('telemetry settings', () => {
  it('export traces as OTLP/HTTP protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL (or its traces variable) says http/json', () => {
    expect(readConfig(telemetrySettings, {})).toMatchObject({ otlpEndpoint: undefined, otlpProtocol: 'http/protobuf', otlpTracesProtocol: undefined });
    expect(readConfig(telemetrySettings, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toMatchObject({ otlpProtocol: 'http/json' });
    expect(readConfig(telemetrySettings, { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' })).toMatchObject({ otlpProtocol: 'http/protobuf', otlpTracesProtocol: 'http/json' });
  });

  it('refuse a protocol the exporter does not speak, naming the variable', () => {
    expect(() => readConfig(telemetrySettings, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL.*one of http\/protobuf, http\/json/);
  });
});
