import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';
import type * as OpenApiValidatorModule from 'express-openapi-validator';
import type { OpenApiDocument } from './surface.ts';

type ValidatorOptions = Parameters<typeof OpenApiValidatorModule.middleware>[0];

/**
 * express-openapi-validator, loaded on first use: production validates requests with the compiled
 * validators and never calls this, and the validator with its dependencies (multer, busboy,
 * json-schema-ref-parser, js-yaml) would otherwise take MB of every part's idle memory (issue 18).
 */
let validatorModule: typeof OpenApiValidatorModule | undefined;
function openApiValidator(): typeof OpenApiValidatorModule {
  validatorModule ??= createRequire(import.meta.url)('express-openapi-validator') as typeof OpenApiValidatorModule;
  return validatorModule;
}

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
  const validators = openApiValidator().middleware({
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
