import type { ObservedExchange } from '@platform/runtime/rest';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkExchange } from './check-exchange.ts';
import { loadContracts } from './contract.ts';
import type { Contract } from './contract.ts';

const problemHeaders = { 'x-request-id': 'r-1', 'content-type': 'application/problem+json; charset=utf-8', 'content-length': 120 };
const problem = (status: number, detail = 'x') => JSON.stringify({ type: 'about:blank', title: 'T', status, detail, instance: '/api/platforms', requestId: 'r-1' });
const platform = JSON.stringify({ id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' });

function exchange(overrides: Partial<ObservedExchange>): ObservedExchange {
  const body = overrides.body ?? platform;
  return {
    contract: 'contracts/openapi/platform-service.yaml',
    by: 'service',
    method: 'GET',
    path: '/api/platforms/1',
    query: '',
    status: 200,
    headers: { 'x-request-id': 'r-1', 'content-type': 'application/json; charset=utf-8', 'content-length': body.length, etag: '"1"' },
    body,
    bodyBytes: Buffer.byteLength(body),
    ...overrides,
  };
}

describe('checkExchange against platform-service.yaml', () => {
  let contract: Contract;
  beforeAll(async () => {
    contract = (await loadContracts()).get('contracts/openapi/platform-service.yaml')!;
  });

  it('passes-answers-the-contract-declares', () => {
    const created = JSON.stringify({ id: 4, name: 'Go', publisher: 'Google', cost: 'Free' });
    const declared = [
      exchange({}),
      exchange({ method: 'POST', path: '/api/platforms', status: 201, headers: { 'x-request-id': 'r', 'content-type': 'application/json', location: '/api/platforms/4', etag: '"1"' }, body: created, bodyBytes: created.length }),
      exchange({ method: 'HEAD', body: '', bodyBytes: 0 }),
      exchange({ path: '/api/platforms/1/', status: 404, headers: problemHeaders, body: problem(404) }),
      exchange({ method: 'PATCH', status: 405, headers: { ...problemHeaders, allow: 'GET, HEAD, PUT, DELETE, OPTIONS' }, body: problem(405) }),
      exchange({ method: 'OPTIONS', status: 204, headers: { 'x-request-id': 'r', allow: 'GET, HEAD, PUT, DELETE, OPTIONS' }, body: '', bodyBytes: 0 }),
      exchange({ method: 'POST', path: '/api/platforms', status: 415, headers: { ...problemHeaders, 'accept-encoding': 'gzip, deflate, br' }, body: problem(415) }),
      exchange({ by: 'gateway', path: '/api/platforms', status: 502, headers: { ...problemHeaders, 'access-control-allow-origin': 'https://a.example', vary: 'Origin' }, body: problem(502) }),
    ];
    expect(declared.map((x) => checkExchange(x, contract))).toEqual(declared.map(() => []));
  });

  it('names-a-status-the-operation-does-not-declare', () => {
    expect(checkExchange(exchange({ status: 409, headers: problemHeaders, body: problem(409) }), contract)).toEqual(['status 409 is not declared for getPlatformById (declared: 200, 400, 404, 500)']);
    expect(checkExchange(exchange({ status: 502, headers: problemHeaders, body: problem(502) }), contract)).toEqual([
      'status 502 is not declared for getPlatformById (declared: 200, 400, 404, 500)',
    ]);
  });

  it('names-an-undeclared-header-and-a-missing-required-one', () => {
    expect(checkExchange(exchange({ headers: { 'x-request-id': 'r', 'content-type': 'application/json', etag: '"1"', 'x-powered-by': 'Express', 'access-control-allow-origin': '*' } }), contract)).toEqual([
      'getPlatformById 200: header x-powered-by is not declared',
      'getPlatformById 200: header access-control-allow-origin is not declared',
    ]);
    expect(checkExchange(exchange({ headers: { 'x-request-id': 'r', 'content-type': 'application/json', etag: 'W/"1"' } }), contract)).toEqual([
      'getPlatformById 200: header etag: (root) must match pattern "^"[1-9][0-9]{0,9}"$"',
    ]);
    expect(checkExchange(exchange({ headers: { 'content-type': 'application/json', etag: '"1"' } }), contract)).toEqual(['getPlatformById 200: required header x-request-id is missing']);
    expect(checkExchange(exchange({ headers: { 'x-request-id': 'r', 'content-type': 'application/json' } }), contract)).toEqual(['getPlatformById 200: required header etag is missing']);
    const noLocation = exchange({ method: 'POST', path: '/api/platforms', status: 201 });
    expect(checkExchange(noLocation, contract)).toEqual(['createPlatform 201: required header location is missing']);
    expect(checkExchange(exchange({ method: 'PATCH', status: 405, headers: problemHeaders, body: problem(405) }), contract)).toEqual(['convention MethodNotAllowed: required header allow is missing']);
  });

  it('names-a-body-that-breaks-its-schema-or-media-type', () => {
    const half = JSON.stringify({ id: 1, name: 'Half' });
    expect(checkExchange(exchange({ body: half, bodyBytes: half.length }), contract)).toEqual([
      "getPlatformById 200: body (root) must have required property 'publisher'",
      "getPlatformById 200: body (root) must have required property 'cost'",
    ]);
    expect(checkExchange(exchange({ headers: { 'x-request-id': 'r', 'content-type': 'text/html', etag: '"1"' } }), contract)).toEqual([
      'getPlatformById 200: content-type text/html is not declared (declared: application/json)',
    ]);
    expect(checkExchange(exchange({ method: 'HEAD' }), contract)).toEqual([`getPlatformById 200: a HEAD answer must have no body (got ${platform.length} bytes)`]);
  });

  it('names-answers-no-convention-allows', () => {
    expect(checkExchange(exchange({ path: '/api/platforms/', status: 200 }), contract)).toEqual(['a path the contract does not have must be answered 404']);
    expect(checkExchange(exchange({ method: 'PATCH', status: 400, headers: problemHeaders, body: problem(400) }), contract)).toEqual(['PATCH is not an operation of /api/platforms/{id}: it must be answered 405']);
    expect(checkExchange(exchange({ method: 'OPTIONS', status: 200 }), contract)).toEqual(['OPTIONS must be answered 204 (convention Options)']);
  });
});
