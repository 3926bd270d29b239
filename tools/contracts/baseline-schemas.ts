/**
 * Validators of the released baseline's OpenAPI response schemas, to check what current
 * providers answer against what old clients were promised. REST clients are tolerant readers
 * (the gate's rule): fields the old schema did not list are ignored, everything else counts.
 */
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { isObject, pointerSegment, readPointer, type Json } from './json-ref.ts';

export interface ResponseSchemas {
  /** Problems of `body` as the old contract's response `status` (media type) of `method path`; empty when it conforms. */
  problems(method: string, path: string, status: number, mediaType: string, body: unknown): string[];
}

export async function loadResponseSchemas(releasedOpenapiFile: string): Promise<ResponseSchemas> {
  const document = tolerant(parse(await readFile(releasedOpenapiFile, 'utf8'))) as Json;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; OpenAPI's own keywords are not schema keywords.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(document, 'baseline');
  return {
    problems(method, path, status, mediaType, body) {
      // The response may be a reference (`$ref: '#/components/responses/NotFound'`): point at its target.
      let response = `#/${['paths', path, method.toLowerCase(), 'responses', String(status)].map(pointerSegment).join('/')}`;
      for (let target = readPointer(document, response); isObject(target) && typeof target.$ref === 'string'; target = readPointer(document, response)) {
        response = target.$ref;
      }
      const validate = ajv.getSchema(`baseline${response}/${['content', mediaType, 'schema'].map(pointerSegment).join('/')}`);
      if (!validate) return [`the baseline ${releasedOpenapiFile} has no schema for ${method} ${path} → ${status} ${mediaType}`];
      if (validate(body)) return [];
      return (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? error.keyword}`);
    },
  };
}

/** The document with every `additionalProperties: false` dropped: unknown fields are ignored, not errors. */
function tolerant(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tolerant);
  if (!isObject(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([key, item]) => !(key === 'additionalProperties' && item === false)).map(([key, item]) => [key, tolerant(item)]));
}
