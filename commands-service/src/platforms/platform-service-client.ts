import { createClient } from '@connectrpc/connect';
import { Http2SessionManager, createGrpcTransport } from '@connectrpc/connect-node';
import { PlatformService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import type { Logger } from '@platform/runtime/logging';
import { rpcClientTelemetry, telemetryOf } from '@platform/runtime/observability';
import type { PlatformServiceClient } from './startup-sync.ts';

/** The generated gRPC client of platform-service plus the HTTP/2 connection behind it. */
export interface PlatformServiceConnection {
  readonly client: PlatformServiceClient;
  /** Closes the HTTP/2 connection (calls in flight fail); a later call would open a new one. */
  close(): void;
}

/**
 * Connects lazily to platform-service's gRPC listener (h2c for `http:` URLs) with the generated
 * `platforms.v1.PlatformService` client over the gRPC protocol. Nothing is dialled until the first call.
 * With tracing on, each call is a client span of `logger`'s part and sends its traceparent.
 */
export function connectPlatformService(baseUrl: string, logger: Logger): PlatformServiceConnection {
  // Our own session manager, so that stop() can close the connection instead of leaving it open for its idle timeout.
  const sessionManager = new Http2SessionManager(baseUrl, { idleConnectionTimeoutMs: 60_000 });
  // No compression: the catalogue (4 MB for 100k platforms) crosses the cluster's network, where
  // gzip costs both services more CPU than the bytes (a tenth of the start-up sync's CPU).
  const transport = createGrpcTransport({ baseUrl, sessionManager, acceptCompression: [], interceptors: [rpcClientTelemetry(telemetryOf(logger))] });
  return {
    client: createClient(PlatformService, transport),
    close: () => sessionManager.abort(),
  };
}
