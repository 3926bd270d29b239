/**
 * The operations of an OpenAPI contract as the fuzzer sees them: method, path template, its
 * parameters with their schemas, and the JSON request body schema when there is one. Read from
 * the document, so every operation a contract gains is fuzzed without touching the fuzzer.
 */
import type { Contract } from '../contract.ts';

type Json = Readonly<Record<string, unknown>>;

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface FuzzParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly schema: Json;
}

export interface FuzzOperation {
  readonly contract: Contract;
  /** operationId, or `METHOD template` when it has none. */
  readonly id: string;
  readonly method: string;
  readonly template: string;
  readonly parameters: readonly FuzzParameter[];
  /** Schema of the `application/json` request body; undefined when the operation takes none. */
  readonly body: Json | undefined;
  readonly bodyRequired: boolean;
  /** Every method the path offers (lower case). */
  readonly pathMethods: readonly string[];
}

/** Every operation of the contract, in document order. */
export function operationsOf(contract: Contract): FuzzOperation[] {
  const paths = (contract.document.paths ?? {}) as Record<string, Json>;
  return Object.entries(paths).flatMap(([template, rawItem]) => {
    const item = contract.resolve(rawItem);
    const pathMethods = methods.filter((method) => item[method] !== undefined);
    return pathMethods.map((method) => {
      const operation = contract.resolve(item[method]);
      const declared = [...((item.parameters as unknown[]) ?? []), ...((operation.parameters as unknown[]) ?? [])].map((p) => contract.resolve(p));
      const byKey = new Map(declared.map((p) => [`${String(p.in)}:${String(p.name)}`, p]));
      const parameters = [...byKey.values()]
        .filter((p) => p.in === 'path' || p.in === 'query' || p.in === 'header')
        .map((p) => ({ name: String(p.name), in: p.in as FuzzParameter['in'], required: p.required === true, schema: contract.resolve(p.schema) }));
      const requestBody = contract.resolve(operation.requestBody);
      const json = ((requestBody.content ?? {}) as Json)['application/json'] as Json | undefined;
      return {
        contract,
        id: String(operation.operationId ?? `${method.toUpperCase()} ${template}`),
        method: method.toUpperCase(),
        template,
        parameters,
        body: json === undefined ? undefined : contract.resolve(json.schema),
        bodyRequired: requestBody.required === true,
        pathMethods,
      };
    });
  });
}
