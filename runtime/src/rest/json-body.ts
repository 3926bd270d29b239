import { isUtf8 } from 'node:buffer';
import express from 'express';
import type { RequestHandler } from 'express';
import { matchedOperation } from './route-match.ts';

/** Marks body errors this runtime raises; to-problem.ts maps each `type` to its problem. */
export const bodyErrorTypes = {
  /** The bytes are not what their `Content-Encoding` says (not gzip, not brotli, ...). */
  notDecodable: 'encoding.invalid',
  /** The decoded bytes are not UTF-8. */
  notUtf8: 'entity.verify.failed',
} as const;

function bodyError(type: string, message: string): Error {
  return Object.assign(new Error(message), { status: 400, expose: true, type });
}

/**
 * Parses the JSON body of an operation that declares one (body-parser: size limit on the decoded
 * bytes, gzip / deflate / br decoded), refusing bytes that are not UTF-8 and bodies whose bytes
 * do not decode in their `Content-Encoding`. Other bodies are left unread here.
 */
export function jsonBody(options: { readonly limit: number }): RequestHandler {
  const parse = express.json({
    limit: options.limit,
    verify: (_req, _res, buffer) => {
      if (!isUtf8(buffer)) throw bodyError(bodyErrorTypes.notUtf8, 'the request body is not UTF-8');
    },
  });
  return (req, res, next) => {
    if (!matchedOperation(res)?.operation.takesBody) return next();
    parse(req, res, (err?: unknown) => {
      // body-parser passes the decompressor's own error (a 400 without a `type`) when the bytes do not inflate.
      const e = err as { status?: unknown; type?: unknown } | undefined;
      if (e !== undefined && e.type === undefined && e.status === 400) {
        return next(Object.assign(bodyError(bodyErrorTypes.notDecodable, 'the request body does not decode'), { encoding: req.headers['content-encoding'] }));
      }
      next(err);
    });
  };
}
