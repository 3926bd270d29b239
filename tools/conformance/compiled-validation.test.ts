/**
 * Differential test of production request validation (runtime/src/rest/compiled-validation.ts)
 * against the reference, express-openapi-validator: two REST servers per contract, identical but
 * for `requestValidation`, get the same requests; each must give the same verdict (the handler is
 * reached, or the same status) and name the same fields (`errors[].field`, `in`, `message`).
 * Requests: the contract fuzzer's valid and mutated requests for every operation of every
 * contract (tools/conformance/fuzz), plus the kinds of request the services' tests send
 * (ids, If-Match, bodies with missing, extra, blank and mistyped fields, queries).
 * Seed: FUZZ_SEED, else fixed under CI, else random (printed).
 */
import { commandsServiceSurface } from '@platform/gen/openapi/commands-service/server.ts';
import { platformServiceSurface } from '@platform/gen/openapi/platform-service/server.ts';
import { send } from '@platform/runtime/http/testing';
import { createLogger } from '@platform/runtime/logging';
import { createRestServer } from '@platform/runtime/rest';
import { exchangeObserver, observeExchanges } from '@platform/runtime/rest/testing';
import type { RestRoute, RestServer, RestSurface } from '@platform/runtime/rest';
import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContracts } from './contract.ts';
import { operationsOf } from './fuzz/operations.ts';
import { mutatedRequests, validRequests } from './fuzz/requests.ts';
import type { FuzzRequest } from './fuzz/requests.ts';

const seed = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20_261_201 : Math.floor(Math.random() * 2 ** 31)));
const perOperation = { valid: 30, mutated: 150 };
const logger = createLogger({ name: 'compiled-validation-test', level: 'silent' });
const surfaces = [platformServiceSurface, commandsServiceSurface] as unknown as readonly RestSurface<Record<string, unknown>>[];
const contracts = await loadContracts();

/** Handlers that only say they were reached, with the first success status their route declares. */
function reachedHandlers(surface: RestSurface<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    (surface.routes as readonly RestRoute<PropertyKey>[]).map((route) => {
      const status = Number(Object.keys(route.responses).find((code) => Number(code) < 300));
      const body = route.responses[status] === null ? undefined : route.method === 'get' && route.path.endsWith('s') ? [] : {};
      return [route.operationId, async () => ({ status, body, headers: { 'x-reached': 'yes' } })];
    }),
  );
}

/** What a client learns from an answer about validation. */
function verdict(answer: { status: number; headers: Record<string, unknown>; json: Record<string, unknown> | undefined }): unknown {
  const errors = (answer.json?.errors as { field: string; in: string; message: string }[] | undefined) ?? [];
  return {
    status: answer.status,
    reached: answer.headers['x-reached'] === 'yes',
    fields: errors.map((error) => `${error.in}:${error.field}: ${error.message}`).toSorted(),
  };
}

const json = (body: unknown): Pick<FuzzRequest, 'headers' | 'body'> => ({ headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });

/** Requests the services' own tests send, beyond the fuzzer's (hand-written edge cases). */
function fixtureRequests(template: string, method: string): FuzzRequest[] {
  const at = (id: string): string => template.replace(/\{[^}]+\}/g, id);
  const cases: FuzzRequest[] = [
    { kind: 'fixture', method, target: at('1'), headers: {}, body: undefined },
    { kind: 'fixture', method, target: `${at('1')}?unknown=1`, headers: {}, body: undefined },
    { kind: 'fixture', method, target: `${at('1')}?a=1&b=2`, headers: {}, body: undefined },
    { kind: 'fixture', method, target: at('1'), headers: { 'if-match': '"1"' }, body: undefined },
    { kind: 'fixture', method, target: at('1'), headers: { 'if-match': '' }, body: undefined },
  ];
  if (method === 'POST' || method === 'PUT') {
    for (const body of [{}, { name: 'A' }, { name: 'A', publisher: 'B', cost: 'C' }, { name: 'A', publisher: 'B', cost: 'C', extra: 1 }, { name: ' ', publisher: 'B', cost: 'C' }, { name: 1, publisher: null, cost: [] }, [], 'text', null, { howTo: 'x', commandLine: 'y' }, { howTo: '', commandLine: 1, more: true }]) {
      cases.push({ kind: 'fixture', method, target: at('1'), ...json(body) });
    }
    cases.push({ kind: 'fixture', method, target: at('1'), headers: { 'content-type': 'application/json', 'content-length': '0' }, body: undefined });
  }
  return cases;
}

describe(`compiled request validation gives the reference's verdicts (seed ${seed})`, () => {
  const servers: RestServer[] = [];
  const bases = new Map<string, { reference: string; compiled: string }>();

  // The stub handlers' answers are not the services' (no real bodies, a marker header): they are
  // kept out of the run's response conformance check, which covers the real services elsewhere.
  const observer = exchangeObserver();
  beforeAll(async () => {
    observeExchanges(undefined);
    for (const surface of surfaces) {
      const start = async (requestValidation: 'reference' | 'compiled'): Promise<string> => {
        const server = createRestServer({ surface, handlers: reachedHandlers(surface) as never, logger, authentication: 'off', requestValidation });
        servers.push(server);
        const { port } = await server.listen(0, '127.0.0.1');
        return `http://127.0.0.1:${port}`;
      };
      bases.set(surface.specFile, { reference: await start('reference'), compiled: await start('compiled') });
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
    observeExchanges(observer);
  });

  for (const surface of surfaces) {
    const contract = contracts.get(surface.specFile);
    const operations = contract === undefined ? [] : operationsOf(contract);
    it(`${surface.service}: every fuzzed and fixture request of every operation`, { timeout: 300_000 }, async () => {
      expect(operations.length).toBeGreaterThan(0);
      const base = bases.get(surface.specFile)!;
      const differences: unknown[] = [];
      let compared = 0;
      let refused = 0;
      for (const [index, operation] of operations.entries()) {
        const requests = [
          ...fc.sample(validRequests(operation), { numRuns: perOperation.valid, seed: seed + index }),
          ...fc.sample(mutatedRequests(operation), { numRuns: perOperation.mutated, seed: seed + index }),
          ...fixtureRequests(operation.template, operation.method.toUpperCase()),
        ];
        for (const request of requests) {
          const sent = { method: request.method, path: request.target, headers: { ...request.headers }, ...(request.body === undefined ? {} : { body: request.body }) };
          const [reference, compiled] = [verdict(await send(base.reference, sent)), verdict(await send(base.compiled, sent))];
          compared++;
          if ((reference as { status: number }).status === 400) refused++;
          if (JSON.stringify(reference) !== JSON.stringify(compiled)) differences.push({ operation: operation.id, kind: request.kind, method: request.method, target: request.target.slice(0, 120), body: request.body?.toString('utf8').slice(0, 200), reference, compiled });
        }
      }
      expect(differences.slice(0, 10)).toEqual([]);
      // The corpus really exercises refusals, not only accepted requests.
      expect(refused).toBeGreaterThan(compared / 10);
    });
  }
});
