/**
 * Standalone entry: `node src/main.ts` (npm start -w commands-service). Reads the configuration,
 * starts the service, and stops it gracefully on SIGTERM or SIGINT: exit 0 when every step
 * finished within SHUTDOWN_TIMEOUT, 1 otherwise or when the start failed.
 */
import { runService } from '@platform/runtime/lifecycle';
import { loadConfig } from './config.ts';
import { createCommandsService } from './service.ts';

await runService({
  name: 'commands-service',
  loadConfig,
  shutdownTimeout: (config) => config.shutdownTimeout,
  ports: (config) => ({ HTTP_PORT: config.httpPort }),
  create: (config, logger) => createCommandsService({ config, logger }),
  // The start-up sync is still streaming when the start is over: the service settles once it finished.
  settleAfterStart: false,
});
