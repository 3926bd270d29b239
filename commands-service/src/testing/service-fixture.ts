import { type CommandsServiceClient, createCommandsServiceClient } from '@platform/gen/openapi/commands-service/client.ts';
import type { Logger } from '@platform/runtime/logging';
import type { InProcessBus } from '@platform/runtime/messaging';
import { loadConfig } from '../config.ts';
import { type CommandsService, type PlatformEventNames, createCommandsService } from '../service.ts';
import { silentLogger } from './logs.ts';

/* Starts a whole commands-service in the test process, on a free port. */

export interface TestServiceOptions {
  /** Environment on top of the test defaults (port 0, SQLite in memory, fast sync retries, no broker). */
  readonly env?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
  readonly inProcessBus?: InProcessBus;
  readonly eventNames?: Partial<PlatformEventNames>;
}

export interface ReadyzBody {
  readonly status: string;
  readonly checks: Readonly<Record<string, { readonly ok: boolean; readonly detail?: string }>>;
}

export interface TestService {
  readonly service: CommandsService;
  readonly restUrl: string;
  /** The generated openapi-fetch client, pointed at this service. */
  readonly client: CommandsServiceClient;
  /** GET /readyz: status and body. */
  readyz(): Promise<{ status: number; body: ReadyzBody }>;
  stop(): Promise<void>;
}

export const testEnv = {
  HTTP_PORT: '0',
  HOST: '127.0.0.1',
  NODE_ENV: 'test',
  DB_DRIVER: 'sqlite',
  DB_URL: ':memory:',
  PLATFORM_SERVICE_GRPC_URL: 'http://127.0.0.1:1',
  SYNC_INITIAL_BACKOFF: '20ms',
  SYNC_MAX_BACKOFF: '200ms',
  EVENT_RETRY_INITIAL_DELAY: '10ms',
  EVENT_RETRY_MAX_DELAY: '50ms',
} as const;

export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const config = loadConfig({ ...testEnv, ...options.env });
  const service = createCommandsService({
    config,
    logger: options.logger ?? silentLogger(),
    ...(options.inProcessBus ? { inProcessBus: options.inProcessBus } : {}),
    ...(options.eventNames ? { eventNames: options.eventNames } : {}),
  });
  const { restUrl } = await service.start();
  return {
    service,
    restUrl,
    client: createCommandsServiceClient(restUrl),
    async readyz() {
      const response = await fetch(`${restUrl}/readyz`);
      return { status: response.status, body: (await response.json()) as ReadyzBody };
    },
    stop: () => service.stop(),
  };
}
