import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@platform/runtime/logging';

/* Test helpers: loggers that keep quiet or keep their lines. Not part of the service. */

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return createLogger({ name: 'commands-service', level: 'silent' });
}

/** A logger at `level` whose JSON lines can be read back. */
export interface RecordingLogger {
  readonly logger: Logger;
  /** Every line written so far, parsed. */
  lines(): Record<string, unknown>[];
}

export function recordingLogger(level: 'debug' | 'info' = 'info'): RecordingLogger {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    logger: createLogger({ name: 'commands-service', level, destination }),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
