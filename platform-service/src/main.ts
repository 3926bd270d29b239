/**
 * Runs platform-service alone: `node src/main.ts` (or `npm start -w platform-service`).
 * Configuration comes from the environment (see config.ts / README). SIGTERM or SIGINT drains
 * and exits 0; a start-up failure exits 1 after releasing what was opened.
 */
import { runService } from '@platform/runtime/lifecycle';
import { loadConfig } from './config.ts';
import { createPlatformService } from './service.ts';

await runService({
  name: 'platform-service',
  loadConfig,
  shutdownTimeout: (config) => config.shutdownTimeout,
  ports: (config) => ({ HTTP_PORT: config.httpPort, GRPC_PORT: config.grpcPort }),
  create: (config, logger) => createPlatformService({ config, logger }),
});
