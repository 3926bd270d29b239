/**
 * The gateway alone (`npm run start -w gateway`), configured only by environment variables,
 * as in Kubernetes. SIGTERM or SIGINT drains in-flight requests, then exits 0; a bad
 * configuration or a failed start exits 1.
 */
import { onShutdown, portInUse } from '@platform/runtime/lifecycle';
import { createLogger } from '@platform/runtime/logging';
import { loadConfig } from './config.ts';
import type { GatewayConfig } from './config.ts';
import { createGateway } from './gateway.ts';

let config: GatewayConfig;
try {
  config = loadConfig();
} catch (error) {
  // The logging settings may be what is wrong: log with the defaults.
  createLogger({ name: 'gateway' }).fatal(error instanceof Error ? error.message : 'cannot start: invalid configuration');
  process.exit(1);
}

const logger = createLogger({
  name: 'gateway',
  level: config.logLevel,
  pretty: config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true),
});
const gateway = createGateway({ config, logger });
const shutdown = onShutdown(['SIGTERM', 'SIGINT'], [{ name: 'gateway', close: () => gateway.stop() }], { logger, timeout: config.drainTimeout + 2000 });
try {
  const { url } = await gateway.start();
  logger.info({ url, docs: `${url}/docs/` }, 'gateway ready');
} catch (error) {
  const portTaken = portInUse('the gateway', error, { HTTP_PORT: config.httpPort });
  if (portTaken) logger.fatal(portTaken);
  else logger.fatal({ err: error }, 'cannot start the gateway');
  shutdown.dispose();
  await gateway.stop();
  process.exitCode = 1;
}
