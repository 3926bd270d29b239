/**
 * commands-service as main.ts runs it, but with broker object names of its own, so a benchmark
 * never shares a queue with anyone else on the broker:
 * `node bench/servers/commands-service.ts <name suffix>` (configuration from the environment).
 */
import { createLogger } from '@platform/runtime/logging';
import { loadConfig } from '../../commands-service/src/config.ts';
import { createCommandsService } from '../../commands-service/src/service.ts';

const [suffix] = process.argv.slice(2);
if (suffix === undefined) throw new Error('cannot start commands-service: usage commands-service.ts <name suffix>');

const config = loadConfig();
const logger = createLogger({ name: 'commands-service', level: config.logLevel });
const service = createCommandsService({
  config,
  logger,
  eventNames: {
    exchange: `bench.platform.events.${suffix}`,
    queue: `bench.commands-service.platform-events.${suffix}`,
    deadLetterExchange: `bench.platform.events.dlx.${suffix}`,
    deadLetterQueue: `bench.commands-service.platform-events.dlq.${suffix}`,
  },
});
process.once('SIGTERM', () => void service.stop().then(() => process.exit(0), () => process.exit(1)));
await service.start();
// No settling collection here: the service makes it once its start-up sync is over, as under main.ts.
