import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { OpenApiDocument } from './surface.ts';

type ValidatorOptions = Parameters<typeof OpenApiValidator.middleware>[0];

/**
 * The document as the validator sees it: every path with a GET also has that operation as its
 * HEAD (the contract's convention: HEAD is GET without the body), so HEAD requests are validated
 * like GETs. The contract itself is not changed.
 */
export function withHeadOperations(spec: OpenApiDocument): OpenApiDocument {
  const paths = (spec.paths ?? {}) as Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  const withHead = Object.fromEntries(Object.entries(paths).map(([path, item]) => [path, item.get !== undefined && item.head === undefined ? { ...item, head: item.get } : item]));
  return { ...spec, paths: withHead };
}

/**
 * Request validation (always, reporting every error) and, when asked, response validation
 * against the contract. The document is parsed, dereferenced and checked once, when this
 * is called; each operation's validators are compiled on its first request and cached.
 * Unknown JSON fields fail through the contract's `additionalProperties: false`; unknown query
 * parameters are refused too.
 */
export function openApiValidation(spec: OpenApiDocument, options: { readonly validateResponses: boolean; readonly validateRequests?: boolean }): RequestHandler[] {
  const validators = OpenApiValidator.middleware({
    apiSpec: withHeadOperations(spec) as unknown as ValidatorOptions['apiSpec'],
    validateApiSpec: true,
    validateRequests: options.validateRequests === false ? false : { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: options.validateResponses ? { allErrors: true } : false,
    validateSecurity: false,
    fileUploader: false,
    ignoreUndocumented: false,
  });
  return validators as RequestHandler[];
}
