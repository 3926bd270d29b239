/**
 * Standalone entry: `node src/main.ts` (npm start -w commands-service). Reads the configuration,
 * starts the service, and stops it gracefully on SIGTERM or SIGINT: exit 0 when every step
 * finished within SHUTDOWN_TIMEOUT, 1 otherwise or when the start failed.
 */
import { onShutdown, portInUse } from '@platform/runtime/lifecycle';
import { createLogger } from '@platform/runtime/logging';
import { type CommandsServiceConfig, loadConfig } from './config.ts';
import { createCommandsService } from './service.ts';

const name = 'commands-service';

let config: CommandsServiceConfig;
try {
  config = loadConfig();
} catch (error) {
  // The logging settings themselves may be what is wrong: log with the defaults. One line, the
  // message naming every bad variable; a stack would only bury it.
  createLogger({ name }).fatal(error instanceof Error ? error.message : 'cannot start: invalid configuration');
  process.exit(1);
}

const logger = createLogger({ name, level: config.logLevel, pretty: config.logFormat === 'pretty' });
const service = createCommandsService({ config, logger });
let failed = false;
const shutdown = onShutdown(['SIGTERM', 'SIGINT'], [{ name, close: () => service.stop() }], {
  logger,
  timeout: config.shutdownTimeout,
  exit: (code) => process.exit(failed ? 1 : code),
});

const fatal = (what: string) => (error: unknown) => {
  failed = true;
  logger.fatal({ err: error }, what);
  void shutdown.run(what);
};
process.on('uncaughtException', fatal('uncaught exception'));
process.on('unhandledRejection', fatal('unhandled rejection'));

try {
  const { restUrl } = await service.start();
  logger.info({ restUrl, pid: process.pid }, 'commands-service started');
} catch (error) {
  const portTaken = portInUse(name, error, { HTTP_PORT: config.httpPort });
  if (portTaken) {
    failed = true;
    logger.fatal(portTaken);
    void shutdown.run(portTaken);
  } else fatal('cannot start commands-service')(error);
}
