import { pino, type Logger } from 'pino';

/** The logger used when none is given: discards everything. */
export const silentLogger: Logger = pino({ enabled: false });
