/**
 * Child process for run-service.test.ts: a part of two pieces run by runService. Mode (argv[2]):
 * "fatal" (an uncaught exception once started), "rejection" (an unhandled rejection once started),
 * "start-fails" (the second piece fails to start), "bad-config" (the configuration is refused),
 * "slow-start" (the second piece logs "timer starting" and takes a while: the test signals then).
 */
import { AppError, errorCodes } from '../errors/index.ts';
import { runService } from './run-service.ts';
import { createService } from './service.ts';

const mode = process.argv[2] ?? 'fatal';
const keepAlive = setInterval(() => {}, 1 << 30);

await runService({
  name: 'fixture',
  env: {},
  loadConfig: () => {
    if (mode === 'bad-config') throw new AppError(errorCodes.invalidConfig, 'cannot start: invalid configuration: PORT must be a port');
    return { port: 1 };
  },
  logging: () => ({ level: 'info' }),
  shutdownTimeout: () => 2000,
  ports: (config) => ({ PORT: config.port }),
  create: (_config, logger) =>
    createService({
      name: 'fixture',
      logger,
      async start({ start }) {
        await start({ name: 'database', start: () => {}, stop: () => void logger.info('database closed') });
        await start({
          name: 'timer',
          start: async () => {
            if (mode === 'start-fails') throw new Error('no timer left');
            if (mode === 'slow-start') {
              logger.info('timer starting');
              await new Promise((resolve) => setTimeout(resolve, 300));
            }
          },
          stop: () => clearInterval(keepAlive),
        });
      },
    }),
  started: () => {
    if (mode === 'fatal') setImmediate(() => {
      throw new Error('boom');
    });
    if (mode === 'rejection') void Promise.reject(new Error('forgotten'));
  },
});
