/**
 * Test support: a whole platform-service started in the test process on free ports, reached
 * through the generated REST client. Not part of the service.
 */
import { createPlatformServiceClient } from '@platform/gen/openapi/platform-service/client.ts';
import type { PlatformServiceClient } from '@platform/gen/openapi/platform-service/client.ts';
import { createLogger } from '@platform/runtime/logging';
import type { Logger } from '@platform/runtime/logging';
import type { InProcessBus } from '@platform/runtime/messaging';
import { loadConfig } from '../config.ts';
import type { DatabaseLocation as DatabaseConfig } from '@platform/runtime/db';
import { createPlatformService } from '../service.ts';
import type { PlatformService } from '../service.ts';

/** Defaults of every test service: free ports on the loopback, SQLite in memory, no seed, no broker, no commands-service call. */
export const testEnv = {
  HTTP_PORT: '0',
  GRPC_PORT: '0',
  HOST: '127.0.0.1',
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  DB_DRIVER: 'sqlite',
  DB_URL: ':memory:',
  SEED_DATA: 'false',
  COMMANDS_SYNC_ENABLED: 'false',
  OUTBOX_POLL_INTERVAL: '50ms',
  SHUTDOWN_TIMEOUT: '5s',
} as const;

export interface TestServiceOptions {
  /** Variables on top of `testEnv`. */
  readonly env?: Readonly<Record<string, string>>;
  /** Overrides DB_DRIVER and DB_URL. */
  readonly database?: DatabaseConfig;
  readonly inProcessBus?: InProcessBus;
  readonly exchange?: string;
  readonly logger?: Logger;
}

export interface ReadyzBody {
  readonly status: string;
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly detail?: string }>>;
}

export interface TestService {
  readonly service: PlatformService;
  readonly restUrl: string;
  readonly grpcUrl: string;
  /** The generated openapi-fetch client, pointed at this service. */
  readonly client: PlatformServiceClient;
  readyz(): Promise<{ status: number; body: ReadyzBody }>;
  stop(): Promise<void>;
}

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const database = options.database ? { DB_DRIVER: options.database.driver, DB_URL: options.database.url } : {};
  const config = loadConfig({ ...testEnv, ...database, ...options.env });
  const service = createPlatformService({
    config,
    logger: options.logger ?? createLogger({ name: 'platform-service-test', level: 'silent' }),
    ...(options.inProcessBus ? { inProcessBus: options.inProcessBus } : {}),
    ...(options.exchange ? { exchange: options.exchange } : {}),
  });
  const { restUrl, grpcUrl } = await service.start();
  return {
    service,
    restUrl,
    grpcUrl,
    client: createPlatformServiceClient(restUrl),
    async readyz() {
      const response = await fetch(`${restUrl}/readyz`);
      return { status: response.status, body: (await response.json()) as ReadyzBody };
    },
    stop: () => service.stop(),
  };
}
