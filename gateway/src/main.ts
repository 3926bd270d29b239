/**
 * The gateway alone (`npm run start -w gateway`), configured only by environment variables,
 * as in Kubernetes. SIGTERM or SIGINT drains in-flight requests, then exits 0; a bad
 * configuration or a failed start exits 1.
 */
import { runService } from '@platform/runtime/lifecycle';
import { loadConfig } from './config.ts';
import { createGateway } from './gateway.ts';

await runService({
  name: 'gateway',
  part: 'the gateway',
  loadConfig,
  logging: (config) => ({ level: config.logLevel, pretty: config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true) }),
  // The drain, then closing upstream connections.
  shutdownTimeout: (config) => config.drainTimeout + 2000,
  ports: (config) => ({ HTTP_PORT: config.httpPort }),
  create: (config, logger) => createGateway({ config, logger }),
});
