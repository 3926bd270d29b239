import type { RequestHandler } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { OpenApiDocument } from './surface.ts';

type ValidatorOptions = Parameters<typeof OpenApiValidator.middleware>[0];

/**
 * Request validation (always, reporting every error) and, when asked, response validation
 * against the contract. The document is parsed, dereferenced and checked once, when this
 * is called; each operation's validators are compiled on its first request and cached.
 * Unknown JSON fields fail through the contract's `additionalProperties: false`.
 */
export function openApiValidation(spec: OpenApiDocument, options: { readonly validateResponses: boolean }): RequestHandler[] {
  const validators = OpenApiValidator.middleware({
    apiSpec: spec as unknown as ValidatorOptions['apiSpec'],
    validateApiSpec: true,
    validateRequests: { allErrors: true, allowUnknownQueryParameters: false },
    validateResponses: options.validateResponses ? { allErrors: true } : false,
    validateSecurity: false,
    fileUploader: false,
    ignoreUndocumented: false,
  });
  return validators as RequestHandler[];
}
