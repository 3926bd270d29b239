import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { exchangeObserver } from './exchange-observer.ts';
import type { ExchangeObserver, ObservedExchange } from './exchange-observer.ts';
import { requestPath } from './request-state.ts';

/** Bodies longer than this are reported without their text. */
const captureLimit = 1024 * 1024;

export interface ExchangeRecordingOptions {
  readonly contract: string;
  readonly by: ObservedExchange['by'];
  /** Answers not to report (health probes, answers passed through from elsewhere). */
  readonly skip?: (req: Request, res: Response) => boolean;
}

type Chunk = string | Uint8Array;

/**
 * Tells the installed exchange observer (exchange-observer.ts) about every answer that finished:
 * status, headers and the body bytes as written. Does nothing when no observer is installed.
 */
export function exchangeRecording(options: ExchangeRecordingOptions): RequestHandler {
  return (req, res, next) => {
    const observer = exchangeObserver();
    if (observer !== undefined) recordExchange(observer, req, res, options.contract, options.by, () => options.skip?.(req, res) ?? false);
    next();
  };
}

/**
 * Reports the answer of one request to `observer` once it finished (the REST pipeline's step
 * above, and the fast path's): `req.originalUrl` where Express set it, else the target as received.
 */
export function recordExchange(observer: ExchangeObserver, req: IncomingMessage & { readonly originalUrl?: string }, res: ServerResponse, contract: string, by: ObservedExchange['by'], skip: () => boolean = () => false): void {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const capture = (chunk: unknown, encoding: unknown): void => {
    if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) return;
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : Buffer.from(chunk);
    bytes += buffer.length;
    if (bytes <= captureLimit) chunks.push(buffer);
  };
  const write = res.write.bind(res) as (chunk: Chunk, ...rest: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: Chunk, ...rest: unknown[]) => {
    capture(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((...args: unknown[]) => {
    capture(args[0], args[1]);
    return end(...args);
  }) as ServerResponse['end'];
  res.once('finish', () => {
    if (skip()) return;
    const url = req.originalUrl ?? req.url ?? '/';
    const query = url.indexOf('?');
    observer({
      contract,
      by,
      method: req.method ?? '',
      path: requestPath({ originalUrl: url }),
      query: query === -1 ? '' : url.slice(query + 1),
      status: res.statusCode,
      headers: res.getHeaders() as ObservedExchange['headers'],
      body: bytes <= captureLimit ? Buffer.concat(chunks).toString('utf8') : undefined,
      bodyBytes: bytes,
    });
  });
}
