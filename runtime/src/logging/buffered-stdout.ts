/**
 * Standard output for log lines, written in batches: lines written during one turn of the event
 * loop go out together in one synchronous write at its end (or sooner, once 64 KiB are waiting),
 * instead of one write system call per line (system calls are dear on the VMs we run on; a busy
 * service writes an access line per request). Order is kept: every line goes through the same
 * buffer, and whatever is buffered is written synchronously when the process exits (after an
 * uncaught exception too), so the last lines of a shutdown are never lost or reordered. Only a
 * process killed outright (SIGKILL) can lose the lines of its last turn.
 */
import { writeSync } from 'node:fs';

/** Bytes (UTF-16 units) waiting before a write happens at once rather than at the end of the turn. */
const flushAt = 64 * 1024;

export interface BufferedDestination {
  /** Buffers one line (pino's destination interface). */
  write(line: string): void;
  /** Writes everything buffered now; `done` is called afterwards (pino's `logger.flush`). */
  flush(done?: (error?: Error) => void): void;
  flushSync(): void;
}

function writeAll(fd: number, text: string): void {
  let data = Buffer.from(text, 'utf8');
  while (data.length > 0) {
    try {
      data = data.subarray(writeSync(fd, data));
    } catch (error) {
      // A non-blocking pipe that is full: wait a moment and retry, as pino's sonic-boom does.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

function createBufferedDestination(fd: number): BufferedDestination {
  let pending: string[] = [];
  let pendingLength = 0;
  let scheduled = false;
  const flushSync = (): void => {
    if (pending.length === 0) return;
    const text = pending.length === 1 ? (pending[0] as string) : pending.join('');
    pending = [];
    pendingLength = 0;
    writeAll(fd, text);
  };
  const atEndOfTurn = (): void => {
    scheduled = false;
    flushSync();
  };
  // At exit the lines go out if they can; a closed standard output (EPIPE) must not turn an exit into a crash.
  process.on('exit', () => {
    try {
      flushSync();
    } catch {
      // Nowhere left to write them.
    }
  });
  return {
    write(line) {
      pending.push(line);
      pendingLength += line.length;
      if (pendingLength >= flushAt) flushSync();
      else if (!scheduled) {
        scheduled = true;
        setImmediate(atEndOfTurn);
      }
    },
    flush(done) {
      try {
        flushSync();
        done?.();
      } catch (error) {
        done?.(error as Error);
      }
    },
    flushSync,
  };
}

let stdout: BufferedDestination | undefined;

/** The process's one buffered standard output (shared by every logger writing there). */
export function bufferedStdout(): BufferedDestination {
  stdout ??= createBufferedDestination(1);
  return stdout;
}
