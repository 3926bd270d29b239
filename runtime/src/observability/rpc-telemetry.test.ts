import type { Interceptor } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { rpcClientTelemetry } from './rpc-telemetry.ts';

describe('rpcClientTelemetry', () => {
  it('changes-nothing-with-tracing-off', () => {
    const next = (async () => {
      throw new Error('not called');
    }) as unknown as Parameters<Interceptor>[0];
    expect(rpcClientTelemetry({ name: 'rpc-client-off', metrics: undefined, tracing: undefined })(next)).toBe(next);
  });
});
