/**
 * The gateway alone (`npm run start -w gateway`), configured only by environment variables,
 * as in Kubernetes. SIGTERM or SIGINT drains in-flight requests, then exits.
 */
import { createLogger } from '@platform/runtime/logging';
import { onShutdown } from '@platform/runtime/lifecycle';
import { loadConfig } from './config.ts';
import { createGateway } from './gateway.ts';

const config = loadConfig();
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
  logger.fatal({ err: error }, 'cannot start the gateway');
  shutdown.dispose();
  await gateway.stop();
  process.exitCode = 1;
}
