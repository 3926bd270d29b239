/**
 * `LOG_FORMAT=pretty`: one line per event, the part's name first, so the output of `npm start` reads
 * like a dev server's (`platform-service 12:00:01.234 INFO  GET /api/platforms 200 3.1ms ...`). Reads
 * the JSON lines pino writes and prints each as one line; JSON mode never comes here.
 */
import { writeSync } from 'node:fs';

export interface PrettyLinesOptions {
  /** Where lines go. Default: standard output, written synchronously. */
  readonly destination?: { write(text: string): unknown };
  /** ANSI colours. Default: when standard output is a terminal and NO_COLOR is unset. */
  readonly colors?: boolean;
}

const levelColors: Readonly<Record<string, string>> = { fatal: '35', error: '31', warn: '33', info: '32', debug: '90', trace: '90' };
const nameColors = ['36', '35', '34', '33', '32', '96', '95', '94'];
/** Fields shown in a line's own place, or never. */
const shown = new Set(['level', 'time', 'service', 'msg', 'pid', 'hostname', 'method', 'path', 'status', 'durationMs', 'rpc', 'code']);

const paint = (colors: boolean, code: string, text: string): string => (colors ? `\u001b[${code}m${text}\u001b[0m` : text);

function nameColor(name: string): string {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return nameColors[hash % nameColors.length] as string;
}

function value(field: unknown): string {
  if (typeof field === 'string') return /^[^\s"=]+$/.test(field) ? field : JSON.stringify(field);
  if (field !== null && typeof field === 'object' && typeof (field as { message?: unknown }).message === 'string') {
    const error = field as { type?: string; message: string; stack?: string };
    const where = /\n\s+at .*?\(?([^()\s]+:\d+):\d+\)?/.exec(error.stack ?? '')?.[1];
    return JSON.stringify(`${error.type ?? 'Error'}: ${error.message}${where ? ` (${where})` : ''}`);
  }
  return JSON.stringify(field) ?? 'undefined';
}

/** Formats one pino JSON line as one readable line (with its newline). */
export function prettyLine(json: string, colors = false): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const name = String(event.service ?? '');
  const level = String(event.level ?? 'info');
  const time = typeof event.time === 'string' ? event.time.slice(11, 23) : '';
  const parts = [paint(colors, nameColor(name), name.padEnd(16)), paint(colors, '90', time), paint(colors, levelColors[level] ?? '0', level.toUpperCase().padEnd(5))];
  if (typeof event.method === 'string' && event.path !== undefined) {
    parts.push(`${event.method} ${String(event.path)} ${String(event.status ?? '')}${event.durationMs === undefined ? '' : ` ${String(event.durationMs)}ms`}`.trimEnd());
    if (event.msg !== 'request completed') parts.push(String(event.msg ?? ''));
  } else if (typeof event.rpc === 'string') {
    parts.push(`${event.rpc} ${String(event.code ?? '')}${event.durationMs === undefined ? '' : ` ${String(event.durationMs)}ms`}`);
    if (event.msg !== 'rpc completed') parts.push(String(event.msg ?? ''));
  } else if (event.msg !== undefined) parts.push(String(event.msg));
  const rest: string[] = [];
  for (const [key, field] of Object.entries(event)) if (!shown.has(key) && field !== undefined) rest.push(`${key}=${value(field)}`);
  if (rest.length > 0) parts.push(paint(colors, '90', rest.join(' ')));
  return `${parts.join(' ').replaceAll('\n', '\\n')}\n`;
}

/** A pino destination printing each event as one readable line. */
export function prettyLines(options: PrettyLinesOptions = {}): { write(json: string): void } {
  const colors = options.colors ?? (process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
  const out = options.destination;
  return {
    write(json) {
      const line = prettyLine(json, colors);
      if (out === undefined) writeSync(1, line);
      else out.write(line);
    },
  };
}
