/**
 * The current providers, started in the test process on free ports (SQLite in memory, no broker):
 * platform-service with its seeded catalogue and, on request, commands-service syncing from it.
 * What old consumers are run against.
 */
import { loadConfig as loadCommandsConfig, createCommandsService } from '@platform/commands-service';
import { loadConfig as loadPlatformConfig, createPlatformService } from '@platform/platform-service';
import { createLogger } from '@platform/runtime/logging';
import type { InProcessBus } from '@platform/runtime/messaging';

export interface CurrentServices {
  readonly platformRestUrl: string;
  readonly platformGrpcUrl: string;
  /** Set when started with `commands: true`. */
  readonly commandsRestUrl: string | undefined;
  stop(): Promise<void>;
}

export interface CurrentServicesOptions {
  /** Also start commands-service, which syncs the catalogue from platform-service over gRPC. Default: false. */
  readonly commands?: boolean;
  /** The bus platform-service publishes its events to (its outbox relay). Default: none, events wait in the outbox. */
  readonly inProcessBus?: InProcessBus;
  /** Variables added to both services' environment, e.g. AUTH_* to turn authentication on. Default: none (off). */
  readonly env?: Readonly<Record<string, string>>;
}

export async function startCurrentServices(options: CurrentServicesOptions = {}): Promise<CurrentServices> {
  const logger = createLogger({ name: 'contracts-old-consumers', level: 'silent' });
  const platform = createPlatformService({
    config: loadPlatformConfig({
      HTTP_PORT: '0',
      GRPC_PORT: '0',
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      DB_DRIVER: 'sqlite',
      DB_URL: ':memory:',
      SEED_DATA: 'true',
      COMMANDS_SYNC_ENABLED: 'false',
      OUTBOX_POLL_INTERVAL: '50ms',
      SHUTDOWN_TIMEOUT: '5s',
      ...options.env,
    }),
    logger,
    ...(options.inProcessBus ? { inProcessBus: options.inProcessBus } : {}),
  });
  const { restUrl, grpcUrl } = await platform.start();
  let commands: ReturnType<typeof createCommandsService> | undefined;
  let commandsRestUrl: string | undefined;
  try {
    if (options.commands) {
      commands = createCommandsService({
        config: loadCommandsConfig({
          HTTP_PORT: '0',
          HOST: '127.0.0.1',
          NODE_ENV: 'test',
          DB_DRIVER: 'sqlite',
          DB_URL: ':memory:',
          PLATFORM_SERVICE_GRPC_URL: grpcUrl,
          SYNC_INITIAL_BACKOFF: '20ms',
          SYNC_MAX_BACKOFF: '200ms',
          ...options.env,
        }),
        logger,
      });
      commandsRestUrl = (await commands.start()).restUrl;
    }
  } catch (error) {
    await platform.stop();
    throw error;
  }
  return {
    platformRestUrl: restUrl,
    platformGrpcUrl: grpcUrl,
    commandsRestUrl,
    async stop() {
      await commands?.stop();
      await platform.stop();
    },
  };
}

/** Polls `probe` until it returns a value other than undefined; rejects after `timeoutMs`, naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`cannot observe ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
