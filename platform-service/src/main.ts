/**
 * Runs platform-service alone: `node src/main.ts` (or `npm start -w platform-service`).
 * Configuration comes from the environment (see config.ts / README). SIGTERM or SIGINT drains
 * and exits 0; a start-up failure exits 1 after releasing what was opened.
 */
import { isAppError } from '@platform/runtime/errors';
import { onShutdown, portInUse } from '@platform/runtime/lifecycle';
import { createLogger } from '@platform/runtime/logging';
import { loadConfig } from './config.ts';
import type { PlatformServiceConfig } from './config.ts';
import { createPlatformService } from './service.ts';

function configOrExit(): PlatformServiceConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    // No logger yet (its settings are part of the configuration): one JSON line on stderr.
    const msg = isAppError(error) ? error.message : `cannot start: ${String(error)}`;
    process.stderr.write(`${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), service: 'platform-service', msg })}\n`);
    return process.exit(1);
  }
}

const config = configOrExit();
const logger = createLogger({ name: 'platform-service', level: config.logLevel, pretty: config.logFormat === 'pretty' });
const service = createPlatformService({ config, logger });
const shutdown = onShutdown(['SIGTERM', 'SIGINT'], [{ name: 'platform-service', close: () => service.stop() }], {
  logger,
  timeout: config.shutdownTimeout,
});

try {
  await service.start();
} catch (error) {
  const portTaken = portInUse('platform-service', error, { HTTP_PORT: config.httpPort, GRPC_PORT: config.grpcPort });
  if (portTaken) logger.fatal(portTaken);
  else logger.fatal({ err: error }, 'cannot start platform-service');
  shutdown.dispose();
  await service.stop().catch(() => undefined);
  process.exit(1);
}
