/**
 * The access line of a request (a REST operation's, a proxied one's), written as the logger would
 * write it, at a fraction of
 * the cost: pino, per line, runs the mixin, the redaction, a serializer lookup and a stringify per
 * field; an access line has fixed fields, none secret, so it is one string concatenation, from the
 * pieces pino itself uses (its level prefix, time function and bound fields, exported as
 * `pino.symbols`), written to the logger's own destination. When the logger is not one whose
 * pieces are there (or a mixin adds fields), the line goes through the logger as usual.
 */
import { pino } from 'pino';
import type { Logger } from './create-logger.ts';

export type AccessLevel = 'info' | 'warn' | 'error';

/**
 * One access line's fields, in the order they are written: the request's bound fields first (its
 * id, trace id, the token's subject: strings), then its own.
 */
export interface AccessLine {
  [bound: string]: string | number | true | undefined;
  requestId: string;
  traceId?: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  aborted?: true;
}

/** Writes one access line at `level` with `msg`, if the logger writes that level at all. */
export type AccessLineWriter = (level: AccessLevel, line: AccessLine, msg: string) => void;

interface PinoPieces {
  readonly prefixes: Readonly<Record<number, string>>;
  readonly time: () => string;
  readonly bindings: string;
  readonly destination: { write(text: string): unknown };
  readonly mixin: (() => object) | undefined;
}

/** The pieces of a pino logger a line is made of, or undefined when one is missing (another logger, another pino). */
function piecesOf(logger: Logger): PinoPieces | undefined {
  const symbols = pino.symbols as unknown as Record<string, symbol | undefined>;
  const read = (name: string): unknown => {
    const symbol = symbols[name];
    return symbol === undefined ? undefined : (logger as unknown as Record<symbol, unknown>)[symbol];
  };
  const prefixes = read('lsCacheSym');
  const time = read('timeSym');
  const bindings = read('chindingsSym');
  const destination = read('streamSym');
  const mixin = read('mixinSym');
  const messageKey = read('messageKeySym');
  if (typeof prefixes !== 'object' || prefixes === null || typeof time !== 'function' || typeof bindings !== 'string' || messageKey !== 'msg') return undefined;
  if (typeof destination !== 'object' || destination === null || typeof (destination as { write?: unknown }).write !== 'function') return undefined;
  if (mixin !== undefined && typeof mixin !== 'function') return undefined;
  if (read('msgPrefixSym') !== undefined && read('msgPrefixSym') !== '') return undefined;
  return { prefixes: prefixes as Record<number, string>, time: time as () => string, bindings, destination: destination as PinoPieces['destination'], mixin: mixin as (() => object) | undefined };
}

function hasFields(fields: object): boolean {
  for (const _ in fields) return true;
  return false;
}

/**
 * The fields of a line as JSON members, in their order, as pino writes them (an undefined field
 * left out; strings through JSON.stringify: a path may hold any URI character); undefined when a
 * value is one pino would write otherwise (a number that is not finite).
 */
function members(line: AccessLine): string | undefined {
  let text = '';
  for (const name in line) {
    const value = line[name];
    if (value === undefined) continue;
    if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
    text += `${text === '' ? '' : ','}${JSON.stringify(name)}:${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
  }
  return text;
}

/**
 * pino's `isoTime` (`,"time":"<ISO 8601>"`), formatted once per millisecond rather than per line:
 * the same text, since it only changes when the millisecond does.
 */
function isoTimeOncePerMillisecond(): () => string {
  let last = -1;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

/** The access line writer of `logger` (made once). */
export function accessLineWriter(logger: Logger): AccessLineWriter {
  const pieces = piecesOf(logger);
  const viaLogger: AccessLineWriter = (level, line, msg) => logger[level](line, msg);
  if (pieces === undefined) return viaLogger;
  const { prefixes, bindings, destination, mixin } = pieces;
  const time = pieces.time === pino.stdTimeFunctions.isoTime ? isoTimeOncePerMillisecond() : pieces.time;
  return (level, line, msg) => {
    if (!logger.isLevelEnabled(level)) return;
    const prefix = prefixes[logger.levels.values[level] ?? -1];
    // A mixin that adds fields (the log context of a message or RPC being handled) is pino's to merge.
    if (prefix === undefined || (mixin !== undefined && hasFields(mixin()))) {
      viaLogger(level, line, msg);
      return;
    }
    const fields = members(line);
    if (fields === undefined) {
      viaLogger(level, line, msg);
      return;
    }
    destination.write(`${prefix}${time()}${bindings}${fields === '' ? '' : ','}${fields},"msg":${JSON.stringify(msg)}}\n`);
  };
}
