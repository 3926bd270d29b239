/**
 * Differential test of the REST fast path (issue 18): two servers over the same contract
 * (fast-path.fixture.ts) and handlers, both with compiled request validation and a real token
 * verifier, identical but for `fastPath`, get the same requests as raw bytes on a socket of their
 * own. For every request the answers must be the same: status line, header names (their case
 * aside: RFC 9110, and the pipeline itself writes both) and values in order (`date` aside), body
 * bytes, what the server did with the connection, and the log lines the request caused, as written
 * (`time` and `durationMs` aside). A request id the server generated is masked
 * wherever it shows (header, body, log line). Pairs of servers log through the production logger
 * (createLogger) at info, debug and warn and through a bare pino logger; one pair has an exchange
 * observer installed (as test runs do), whose reports must be the same too. After the corpus, both
 * servers' histograms must hold the same counts, with tracing on both make the same server spans,
 * and the fast side must have served the plain requests itself (so the test cannot pass by the
 * fast path declining everything).
 *
 * Corpus: hand-written cases (methods, paths, parameters, queries, conditional and security
 * headers, bodies, media types, codings, framing, request ids, handler failures, pipelining), then
 * the contract fuzzer's valid and mutated requests for every operation (tools/conformance/fuzz);
 * and a request in flight when the server drains, a 503 when the issuer's keys cannot be fetched.
 * Seed: FUZZ_SEED, else fixed under CI, else random (printed); FUZZ_SCALE multiplies the fuzzer's requests.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { contractOf } from '@platform/tools/conformance/contract.ts';
import { operationsOf } from '@platform/tools/conformance/fuzz/operations.ts';
import { mutatedRequests, validRequests } from '@platform/tools/conformance/fuzz/requests.ts';
import * as fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalIssuer } from '../auth/local-issuer.ts';
import type { LocalIssuer } from '../auth/local-issuer.ts';
import { createTokenVerifier } from '../auth/token-verifier.ts';
import { createLogger } from '../logging/index.ts';
import { configureTelemetry, loadTelemetry, partTelemetry } from '../observability/index.ts';
import { createRestServer } from './create-rest-server.ts';
import type { RestServer, RestServerOptions } from './create-rest-server.ts';
import { exchange, widgetHandlers, widgetsSpec, widgetsSurface } from './fast-path.fixture.ts';
import type { HandlerCall, RawExchange, RawResponse, WidgetHandlers } from './fast-path.fixture.ts';
import { exchangeObserver, observeExchanges } from './testing.ts';
import type { ObservedExchange } from './testing.ts';

const seed = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20_261_201 : Math.floor(Math.random() * 2 ** 31)));
/** FUZZ_SCALE multiplies the fuzzer's requests per operation (a longer hunt by hand). */
const scale = Number(process.env.FUZZ_SCALE ?? 1);
const perOperation = { valid: 15 * scale, mutated: 60 * scale };

// ---------------------------------------------------------------------------------------------
// The two servers

interface Side {
  readonly name: 'express' | 'fast';
  readonly port: number;
  /** Every log line, parsed. */
  readonly lines: Record<string, unknown>[];
  /** Resolves once `enough()` holds of the lines, or after `ms`. */
  linesUntil(enough: () => boolean, ms: number): Promise<void>;
  readonly calls: HandlerCall[];
  readonly server: RestServer;
  /** The part's name: its `service` binding, its metrics' `part` label, its spans' `service.name`. */
  readonly part: string;
  readonly level: Logging['level'];
}

// The stub handlers' echoes are not a service's answers: the run's recorder is off while this file
// runs (production has no observer; one pair installs its own).
const observer = exchangeObserver();
observeExchanges(undefined);

const issuer = await startLocalIssuer({ audience: `fast-path-${randomUUID()}` });

/** How a pair's servers log: the runtime's createLogger (production's) or a bare pino logger, at a level. */
interface Logging {
  readonly logger: 'createLogger' | 'pino';
  readonly level: 'info' | 'debug' | 'warn';
}

/** What the observer installed by `pairForTests(..., { observe: true })` was told, in order. */
const observed: ObservedExchange[] = [];

async function start(name: Side['name'], part: string, logging: Logging = { logger: 'createLogger', level: 'info' }, keys: LocalIssuer = issuer): Promise<Side> {
  const lines: Record<string, unknown>[] = [];
  const calls: HandlerCall[] = [];
  const waiting = new Set<() => void>();
  const destination = {
    write: (line: string): void => {
      lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const check of waiting) check();
    },
  };
  const linesUntil = (enough: () => boolean, ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        waiting.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const check = (): void => {
        if (enough()) done();
      };
      const timer = setTimeout(done, ms);
      waiting.add(check);
      check();
    });
  // Each side its own part name: its own metrics registry and tracer (the name is masked in log lines).
  const logger = logging.logger === 'createLogger' ? createLogger({ name: part, level: logging.level, destination }) : pino({ level: logging.level, base: { service: part } }, destination);
  const authentication = createTokenVerifier({ jwksUrl: keys.jwksUrl, issuer: keys.issuer, audience: keys.audience, refetchCooldownMs: 0 });
  const options: RestServerOptions<WidgetHandlers> = {
    surface: widgetsSurface,
    handlers: widgetHandlers(calls),
    logger,
    requestValidation: 'compiled',
    validateResponses: false,
    authentication,
    fastPath: name === 'fast',
  };
  const server = createRestServer(options);
  const { port } = await server.listen(0, '127.0.0.1');
  return { name, port, lines, linesUntil, calls, server, part, level: logging.level };
}

interface Pair {
  readonly express: Side;
  readonly fast: Side;
}

/** The two servers of the calling describe block, started before its tests and closed after them. */
function pairForTests(part: string, logging?: Logging, options: { readonly observe?: boolean } = {}): Pair {
  let started: Pair | undefined;
  beforeAll(async () => {
    started = { express: await start('express', `${part}-express`, logging), fast: await start('fast', `${part}-fast`, logging) };
    if (options.observe) observeExchanges((reported) => observed.push(reported));
  });
  afterAll(async () => {
    observeExchanges(undefined);
    await Promise.all([started?.express.server.close(), started?.fast.server.close()]);
  });
  const current = (): Pair => started ?? expect.unreachable('the servers start in beforeAll');
  return {
    get express() {
      return current().express;
    },
    get fast() {
      return current().fast;
    },
  };
}

afterAll(async () => {
  await issuer.close();
  observeExchanges(observer);
});

const tokens = {
  write: await issuer.sign({ scope: 'widgets:write', subject: 'alice@example' }),
  scp: await issuer.sign({ scp: ['profile', 'widgets:write'], subject: 'bob@example' }),
  readOnly: await issuer.sign({ scope: 'widgets:read', subject: 'carol@example' }),
  expired: await issuer.sign({ scope: 'widgets:write', expiresInSeconds: -3600 }),
  otherAudience: await issuer.sign({ scope: 'widgets:write', audience: 'another-api' }),
  forged: await issuer.sign({ scope: 'widgets:write', unpublishedKey: true }),
  oddSubject: await issuer.sign({ scope: 'widgets:write', subject: 'a"b\\c\u2028\u0001é😀/<script>' }),
  longSubject: await issuer.sign({ scope: 'widgets:write', subject: `user-${'x'.repeat(100)}"\n` }),
  loneSurrogateSubject: await issuer.sign({ scope: 'widgets:write', subject: 'x\ud800y' }),
  emptySubject: await issuer.sign({ scope: 'widgets:write', subject: '' }),
};
const bearer = `Bearer ${tokens.write}`;

// ---------------------------------------------------------------------------------------------
// Requests as bytes

type Header = readonly [string, string];

interface Request {
  readonly method: string;
  readonly target: string;
  readonly headers?: readonly Header[];
  readonly body?: string | Buffer;
  /** Content-Length to send: the body's length by default; `none` sends none; a string is sent as it is. */
  readonly contentLength?: number | string | 'none';
  /** Default `HTTP/1.1`. */
  readonly version?: string;
  /** Send no Host header. */
  readonly noHost?: boolean;
}

interface Case {
  readonly name: string;
  readonly bytes: Buffer;
  /** The method of each request, in order (a HEAD's answer has no body). */
  readonly methods: readonly string[];
  /** Close the sending side after the bytes. */
  readonly halfClose?: boolean;
  readonly pieces?: { readonly sizes: readonly number[]; readonly gapMs: number };
  /** How long to wait for the answers (a server waiting for body bytes that never come gives none). */
  readonly timeoutMs?: number;
}

function bytesOf(request: Request): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.target} ${request.version ?? 'HTTP/1.1'}`];
  if (!request.noHost) lines.push('Host: localhost');
  for (const [name, value] of request.headers ?? []) lines.push(`${name}: ${value}`);
  const length = request.contentLength ?? (body === undefined ? 'none' : body.length);
  if (length !== 'none') lines.push(`Content-Length: ${length}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
}

/** A test's name: long targets cut short. */
const named = (name: string): string => (name.length > 120 ? `${name.slice(0, 100)}… (${name.length} characters)` : name);

function one(name: string, request: Request, options: Pick<Case, 'halfClose' | 'pieces' | 'timeoutMs'> = {}): Case {
  return { name: named(name), bytes: bytesOf(request), methods: [request.method], ...options };
}

function pipelined(name: string, ...requests: Request[]): Case {
  return { name, bytes: Buffer.concat(requests.map(bytesOf)), methods: requests.map((request) => request.method) };
}

const get = (target: string, headers: readonly Header[] = []): Request => ({ method: 'GET', target, headers });
const jsonHeaders = (...more: Header[]): Header[] => [['Content-Type', 'application/json'], ...more];
/** An authorised write with a JSON body. */
const write = (method: string, target: string, body: string | Buffer | undefined, headers: readonly Header[] = jsonHeaders()): Request => ({ method, target, headers: [['Authorization', bearer], ...headers], ...(body === undefined ? {} : { body }) });
const valid = JSON.stringify({ name: 'Gear', price: 5 });
const post = (body: string | Buffer, headers: readonly Header[] = jsonHeaders()): Request => write('POST', '/api/widgets', body, headers);

/** A body in one chunk, then the last chunk. */
const chunked = (text: string): string => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n0\r\n\r\n`;

/** Hand-written cases. */
function handWritten(): Case[] {
  const cases: Case[] = [];
  const add = (name: string, request: Request): void => void cases.push(one(name, request));

  // Plain requests, query strings.
  for (const target of [
    '/api/widgets',
    '/api/widgets?limit=5&name=abc&sort=name',
    '/api/widgets?limit=100',
    '/api/widgets?name=%C3%A9t%C3%A9&sort=price',
    '/api/widgets?name=a+b',
    '/api/widgets?',
    '/api/widgets?&&',
    '/api/widgets?=',
    '/api/widgets?unknown=1',
    '/api/widgets?a[b]=c',
    '/api/widgets?name[x]=c',
    '/api/widgets?limit=1&limit=2',
    '/api/widgets?name=a&name=b',
    '/api/widgets?limit=0',
    '/api/widgets?limit=abc',
    '/api/widgets?limit=1e1',
    '/api/widgets?limit=01',
    '/api/widgets?limit=',
    '/api/widgets?sort=other',
    '/api/widgets?name=%ff',
    '/api/widgets?name=%',
    '/api/widgets?x=%00',
    `/api/widgets?name=${'n'.repeat(51)}`,
    '/api/widgets?__proto__=x',
    '/api/widgets?hasOwnProperty=1&toString=2',
    '/api/widgets?constructor[prototype][x]=1',
    '/api/widgets?limit=5;sort=name',
    '/api/widgets?limit=%35',
    '/api/widgets?limit=5&limit',
    '/api/widgets?limit',
    '/api/widgets?+=+',
    '/api/widgets?%=',
    '/api/widgets?name=%2',
    `/api/widgets?${Array.from({ length: 1001 }, (_, index) => `name=${index}`).join('&')}`,
    `/api/widgets?limit=5&${Array.from({ length: 1000 }, (_, index) => `k${index}=1`).join('&')}`,
    '/api/widgets/1?x=1#y',
    '/api/widgets#fragment',
    '/api/widgets?limit=5#fragment',
    '/api/widgets/1',
    '/api/widgets/1?',
    '/api/widgets/1?unknown=1',
    '/api/widgets/1?a[b]=c',
    '/api/widgets/2147483647',
  ]) add(`GET ${target}`, get(target));

  // Integer path parameters, each way of being wrong.
  for (const id of ['01', '+1', '1e3', '9'.repeat(400), '2147483648', '9007199254740993', '-1', '0', '-0', '1.0', '1.5', 'abc', 'Infinity', 'NaN', '0x10', '%31', '%2B1', '%201', '1%20', '%00', '%ff', '%', '%zz', '%E2%80%AE1', '1;2', "'", '!$&', '@:']) {
    add(`GET /api/widgets/${id.slice(0, 30)}`, get(`/api/widgets/${id}`));
  }
  for (const index of ['0', '9', '-1', '-5', '-6', '10', '-0', '01', '+1', '-01', '- 1', '%2D1']) add(`GET part ${index}`, get(`/api/widgets/1/parts/${index}`));
  add('GET part with both parameters bad', get('/api/widgets/0/parts/99'));

  // String path parameters: percent-encoded, undecodable, too long.
  // Bytes outside ASCII in the request target, and the characters that make Express's URL parsing fall back to Node's legacy parser.
  for (const [name, label] of [['raw UTF-8', '\xc3\xa9t\xc3\xa9'], ['a raw 0xA0', 'a\xa0b'], ['raw UTF-8 of U+00A0', 'a\xc2\xa0b'], ['raw UTF-8 of U+FEFF', 'a\xef\xbb\xbfb'], ['a raw 0xFF', 'a\xffb'], ['a raw DEL', 'a\x7fb']] as const) {
    add(`GET a label with ${name}`, get(`/api/labels/${label}`));
    add(`GET a widget with ${name} in the query`, get(`/api/widgets?name=${label}`));
  }
  add('GET with a tab in the target', get('/api/widgets/1\t'));
  for (const label of ['abc', '%c3%a9', '%C3%A9t%C3%A9', 'a%2Fb', 'a%20b', 'a+b', '%ff', '%', '%E0%A4%A', '%00', 'x'.repeat(21), '%F0%9F%99%82', '..', '%2e%2e']) add(`GET /api/labels/${label}`, get(`/api/labels/${label}`));

  // Paths and methods the contract does not have.
  for (const target of ['/api/widgets/', '/api/widgets/1/', '/API/WIDGETS', '/api/Widgets/1', '//api/widgets', '/api//widgets', '/api/widgets/1/extra', '/api/./widgets', '/api/widgets/../widgets/1', '/api/widgets%2F1', '/nowhere', '/api/widgetsX', '/', 'http://localhost/api/widgets/1', 'http://example.com/api/widgets']) add(`GET ${target}`, get(target));
  add('HEAD of a read', { method: 'HEAD', target: '/api/widgets/1' });
  add('HEAD of the list', { method: 'HEAD', target: '/api/widgets?limit=2' });
  add('HEAD of a bad id', { method: 'HEAD', target: '/api/widgets/01' });
  add('OPTIONS of a path', { method: 'OPTIONS', target: '/api/widgets/1' });
  add('OPTIONS of the list', { method: 'OPTIONS', target: '/api/widgets' });
  add('OPTIONS *', { method: 'OPTIONS', target: '*' });
  add('OPTIONS of an unknown path', { method: 'OPTIONS', target: '/nowhere' });
  for (const method of ['PATCH', 'POST', 'TRACE', 'PROPFIND', 'QUERY']) add(`405 ${method} /api/widgets/1`, { method, target: '/api/widgets/1', headers: [['Authorization', bearer]] });
  add('405 DELETE /api/widgets', { method: 'DELETE', target: '/api/widgets', headers: [['Authorization', bearer]] });
  add('405 PUT /api/labels/x with a body', write('PUT', '/api/labels/x', valid));
  add('lower-case method', { method: 'get', target: '/api/widgets/1' });
  add('unknown method', { method: 'FROB', target: '/api/widgets/1' });

  // Conditional requests.
  for (const [name, value] of [['If-None-Match', '"1"'], ['If-None-Match', '"2"'], ['If-None-Match', '*'], ['If-None-Match', 'W/"1"'], ['If-Modified-Since', 'Wed, 02 Dec 2026 10:00:00 GMT'], ['If-Modified-Since', 'Mon, 30 Nov 2026 10:00:00 GMT'], ['If-Modified-Since', 'garbage'], ['If-Match', '"1"'], ['If-Unmodified-Since', 'Mon, 30 Nov 2026 10:00:00 GMT']] as const) {
    add(`GET with ${name}: ${value}`, get('/api/widgets/1', [[name, value]]));
  }
  add('If-None-Match on an answered 404', get(`/api/widgets/404`, [['If-None-Match', '*']]));
  add('If-None-Match on the list', get('/api/widgets', [['If-None-Match', '*']]));
  add('If-None-Match on a create', post(valid, jsonHeaders(['If-None-Match', '*'])));
  add('If-Modified-Since on a bad id', get('/api/widgets/01', [['If-Modified-Since', 'Wed, 02 Dec 2026 10:00:00 GMT']]));

  // Bearer tokens.
  const authorised = (name: string, authorization: Header[]): void => add(`POST with ${name}`, { method: 'POST', target: '/api/widgets', headers: [...authorization, ['Content-Type', 'application/json']], body: valid });
  authorised('no Authorization', []);
  authorised('Basic', [['Authorization', 'Basic dXNlcjpwYXNz']]);
  authorised('an empty Bearer', [['Authorization', 'Bearer ']]);
  authorised('Bearer and nothing', [['Authorization', 'Bearer']]);
  authorised('a malformed token', [['Authorization', 'Bearer not-a-jwt']]);
  authorised('a token with a quote', [['Authorization', 'Bearer a"b']]);
  authorised('an expired token', [['Authorization', `Bearer ${tokens.expired}`]]);
  authorised('a token for another audience', [['Authorization', `Bearer ${tokens.otherAudience}`]]);
  authorised('a forged token', [['Authorization', `Bearer ${tokens.forged}`]]);
  authorised('a token without the scope', [['Authorization', `Bearer ${tokens.readOnly}`]]);
  authorised('the scope in scp', [['Authorization', `Bearer ${tokens.scp}`]]);
  authorised('a lower-case scheme', [['Authorization', `bearer ${tokens.write}`]]);
  authorised('two spaces', [['Authorization', `Bearer  ${tokens.write}`]]);
  authorised('a tab', [['Authorization', `Bearer\t${tokens.write}`]]);
  authorised('a subject with quotes, controls and emoji', [['Authorization', `Bearer ${tokens.oddSubject}`]]);
  authorised('a long subject', [['Authorization', `Bearer ${tokens.longSubject}`]]);
  authorised('a subject with a lone surrogate', [['Authorization', `Bearer ${tokens.loneSurrogateSubject}`]]);
  authorised('an empty subject', [['Authorization', `Bearer ${tokens.emptySubject}`]]);
  add('DELETE /api/widgets/500 with an odd subject', write('DELETE', '/api/widgets/500', undefined, [['Authorization', `Bearer ${tokens.oddSubject}`]]));
  authorised('a trailing space', [['Authorization', `Bearer ${tokens.write} `]]);
  authorised('the token twice', [['Authorization', `Bearer ${tokens.write} ${tokens.write}`]]);
  authorised('two Authorization headers', [['Authorization', `Bearer ${tokens.readOnly}`], ['Authorization', bearer]]);
  add('401 before 415', { method: 'POST', target: '/api/widgets', headers: [['Content-Type', 'text/plain']], body: 'x' });
  add('401 before 413', { method: 'POST', target: '/api/widgets', headers: jsonHeaders(), body: 'x'.repeat(70_000) });
  add('401 before a bad id', { method: 'PUT', target: '/api/widgets/01', headers: jsonHeaders(), body: valid });
  add('401 or 400 for an undecodable id', { method: 'DELETE', target: '/api/widgets/%ff' });
  add('403 before 400', { method: 'POST', target: '/api/widgets', headers: [['Authorization', `Bearer ${tokens.readOnly}`], ['Content-Type', 'application/json']], body: '{' });

  // Writes.
  add('POST valid', post(valid));
  add('POST with tags and unicode', post(JSON.stringify({ name: 'Zürich € 🙂', price: 0, tags: ['a', 'ü'] })));
  add('PUT valid', write('PUT', '/api/widgets/1', valid));
  add('PUT valid with a query', write('PUT', '/api/widgets/1?x=1', valid));
  add('PUT a conditional widget without If-Match', write('PUT', '/api/widgets/7', valid));
  add('PUT a conditional widget with If-Match', write('PUT', '/api/widgets/7', valid, jsonHeaders(['If-Match', '"7"'])));
  add('PUT with an empty If-Match', write('PUT', '/api/widgets/1', valid, jsonHeaders(['If-Match', ''])));
  add('PUT with a long If-Match', write('PUT', '/api/widgets/1', valid, jsonHeaders(['If-Match', `"${'1'.repeat(1100)}"`])));
  add('PUT of a missing widget', write('PUT', '/api/widgets/404', valid));
  add('PUT on a bad id', write('PUT', '/api/widgets/1e3', valid));
  add('DELETE', write('DELETE', '/api/widgets/1', undefined, []));
  add('DELETE with a query', write('DELETE', '/api/widgets/1?force=true', undefined, []));
  add('DELETE a conditional widget', write('DELETE', '/api/widgets/7', undefined, [['If-Match', '"7"']]));
  add('DELETE a conditional widget at another version', write('DELETE', '/api/widgets/7', undefined, [['If-Match', '"6"']]));
  add('DELETE with Content-Length 0', { ...write('DELETE', '/api/widgets/1', undefined, []), contentLength: 0 });
  add('DELETE with a body', write('DELETE', '/api/widgets/1', valid));
  add('DELETE with a chunked body', { ...write('DELETE', '/api/widgets/1', '2\r\n{}\r\n0\r\n\r\n', [['Transfer-Encoding', 'chunked']]), contentLength: 'none' });
  add('GET with a body', { method: 'GET', target: '/api/widgets/1', headers: jsonHeaders(), body: valid });
  add('GET with Content-Length 0', { method: 'GET', target: '/api/widgets/1', contentLength: 0 });
  add('GET with Content-Type text/plain and Content-Length 0', { method: 'GET', target: '/api/widgets/1', headers: [['Content-Type', 'text/plain']], contentLength: 0 });
  add('DELETE with Content-Type text/plain and no body', write('DELETE', '/api/widgets/1', undefined, [['Content-Type', 'text/plain']]));
  add('GET the list with a body', { method: 'GET', target: '/api/widgets', headers: [['Content-Type', 'text/plain']], body: 'x' });

  // Handler answers and failures.
  for (const id of [404, 13, 503, 500, 299, 298, 297, 296, 295]) {
    add(`GET /api/widgets/${id} (handler)`, get(`/api/widgets/${id}`));
    add(`DELETE /api/widgets/${id} (handler)`, write('DELETE', `/api/widgets/${id}`, undefined, []));
  }
  add('PUT /api/widgets/500 (handler throws)', write('PUT', '/api/widgets/500', valid));
  add('GET /api/widgets/100 (slow handler)', get('/api/widgets/100'));
  cases.push(one('the client leaves while the handler runs', get('/api/widgets/100'), { timeoutMs: 120 }));
  cases.push(one('the client leaves while a write runs', write('PUT', '/api/widgets/100', valid), { timeoutMs: 120 }));
  add('HEAD /api/widgets/500 (handler throws)', { method: 'HEAD', target: '/api/widgets/500' });

  // JSON bodies.
  const bodies: [string, string | Buffer][] = [
    ['invalid JSON', '{"name":'],
    ['a trailing comma', '{"name":"x","price":1,}'],
    ['nul', 'nul'],
    ['two values', '{"name":"a","price":1}{}'],
    ['a string scalar', '"x"'],
    ['a number scalar', '1'],
    ['null', 'null'],
    ['true', 'true'],
    ['an array', '[]'],
    ['an empty object', '{}'],
    ['whitespace around', '  \n{"name":"a","price":1}\n\t '],
    ['whitespace only', '   '],
    ['a UTF-8 BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(valid)])],
    ['a UTF-8 BOM only', Buffer.from([0xef, 0xbb, 0xbf])],
    ['a UTF-8 BOM and whitespace', Buffer.from([0xef, 0xbb, 0xbf, 0x20, 0x0a])],
    ['two UTF-8 BOMs', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), Buffer.from(valid)])],
    ['whitespace then a BOM', Buffer.concat([Buffer.from([0x20, 0xef, 0xbb, 0xbf]), Buffer.from(valid)])],
    ['a form feed before the object', `\f${valid}`],
    ['a NUL byte after the object', `${valid}\u0000`],
    ['latin-1 bytes', Buffer.from('{"name":"caf\xe9","price":1}', 'latin1')],
    ['UTF-16 with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')])],
    ['an encoded surrogate (CESU-8)', Buffer.from('{"name":"\xed\xa0\x80","price":1}', 'latin1')],
    ['an overlong encoding', Buffer.from('{"name":"\xc0\xaf","price":1}', 'latin1')],
    ['a lone surrogate escape', '{"name":"x\\ud800y","price":1}'],
    ['a lone low surrogate escape', '{"name":"\\udc00","price":1}'],
    ['a surrogate pair escape', '{"name":"\\ud83d\\ude42","price":1}'],
    ['a lone surrogate in a member name', '{"name":"a","price":1,"\\ud800":1}'],
    ['U+0000 escaped', '{"name":"a\\u0000b","price":1}'],
    ['U+0000 in a tag', '{"name":"a","price":1,"tags":["\\u0000"]}'],
    ['a raw control character', '{"name":"a\u0001b","price":1}'],
    ['a missing member', '{"name":"a"}'],
    ['an extra member', '{"name":"a","price":1,"colour":"blue"}'],
    ['a wrong type', '{"name":"a","price":"5"}'],
    ['a fraction', '{"name":"a","price":1.5}'],
    ['a negative', '{"name":"a","price":-1}'],
    ['an exponent', '{"name":"a","price":1e2}'],
    ['a huge number', '{"name":"a","price":1e400}'],
    ['an empty name', '{"name":"","price":1}'],
    ['a blank name', '{"name":"   ","price":1}'],
    ['a long name', JSON.stringify({ name: 'n'.repeat(201), price: 1 })],
    ['wrong tags', '{"name":"a","price":1,"tags":[1,"b",null]}'],
    ['too many tags', '{"name":"a","price":1,"tags":["1","2","3","4","5","6"]}'],
    ['every member wrong', '{"name":1,"price":null,"tags":{},"x":[]}'],
    ['duplicate members', '{"name":"a","name":"b","price":1}'],
    ['__proto__', '{"__proto__":{"admin":true},"name":"a","price":1}'],
    ['deep nesting', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['exactly the limit', JSON.stringify({ name: 'a', price: 1, note: 'x'.repeat(65_536 - 40) })],
    ['one byte over the limit', JSON.stringify({ name: 'a', price: 1, note: 'x'.repeat(65_536 - 39) })],
    ['far over the limit', JSON.stringify({ name: 'a', price: 1, note: 'x'.repeat(200_000) })],
  ];
  for (const [name, body] of bodies) add(`POST ${name}`, post(body));
  for (const [name, body] of bodies.slice(0, 6)) add(`PUT ${name}`, write('PUT', '/api/widgets/2', body));

  // Empty and missing bodies.
  add('POST with Content-Length 0', { ...post(''), contentLength: 0 });
  add('POST with Content-Length 0 and no Content-Type', { method: 'POST', target: '/api/widgets', headers: [['Authorization', bearer]], contentLength: 0 });
  add('POST without a body', { method: 'POST', target: '/api/widgets', headers: [['Authorization', bearer], ['Content-Type', 'application/json']] });
  add('PUT without a body', { method: 'PUT', target: '/api/widgets/1', headers: [['Authorization', bearer]] });

  // Media types.
  for (const type of [
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; charset="utf-8"',
    'APPLICATION/JSON',
    'Application/Json; Charset=UTF-8',
    'application/json; charset=latin1',
    'application/json; charset=iso-8859-1',
    'application/json; charset=utf-16',
    'application/json; charset=us-ascii',
    'application/json; foo=bar',
    'application/json; charset=utf-8; foo=bar',
    'application/json;  charset=utf-8',
    'application/json ; charset=utf-8',
    'application/json;charset=utf8',
    'application/json; charset=\'utf-8\'',
    'application/json; charset="utf-8',
    'application/json ',
    'application/json;',
    'application/json; charset',
    'text/plain',
    'text/json',
    'application/merge-patch+json',
    'application/vnd.api+json',
    'application/json-seq',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '*/*',
    'application/*',
    '',
    'json',
  ]) add(`POST as ${JSON.stringify(type)}`, post(valid, [['Content-Type', type]]));
  add('POST without Content-Type', post(valid, []));
  add('POST with two Content-Types', post(valid, [['Content-Type', 'text/plain'], ['Content-Type', 'application/json']]));
  add('POST latin-1 bytes declared latin1', post(Buffer.from('{"name":"caf\xe9","price":1}', 'latin1'), [['Content-Type', 'application/json; charset=latin1']]));

  // Content codings.
  const codings: [string, string, Buffer][] = [
    ['gzip', 'gzip', gzipSync(valid)],
    ['GZIP', 'GZIP', gzipSync(valid)],
    ['gzip garbage', 'gzip', Buffer.from(valid)],
    ['gzip truncated', 'gzip', gzipSync(valid).subarray(0, 10)],
    ['gzip of invalid JSON', 'gzip', gzipSync('{"name":')],
    ['gzip of a schema violation', 'gzip', gzipSync('{"name":""}')],
    ['gzip over the limit when decoded', 'gzip', gzipSync(JSON.stringify({ name: 'a', price: 1, note: 'x'.repeat(100_000) }))],
    ['deflate', 'deflate', deflateSync(valid)],
    ['br', 'br', brotliCompressSync(valid)],
    ['identity', 'identity', Buffer.from(valid)],
    ['IDENTITY', 'IDENTITY', Buffer.from(valid)],
    ['empty', '', Buffer.from(valid)],
    ['gzip, identity', 'gzip, identity', gzipSync(valid)],
    ['identity, identity', 'identity, identity', Buffer.from(valid)],
    ['gzip, gzip', 'gzip, gzip', gzipSync(gzipSync(valid))],
    ['zstd', 'zstd', Buffer.from(valid)],
    ['compress', 'compress', Buffer.from(valid)],
  ];
  for (const [name, coding, body] of codings) add(`POST with Content-Encoding ${name}`, post(body, jsonHeaders(['Content-Encoding', coding])));
  add('GET with Content-Encoding gzip and no body', get('/api/widgets/1', [['Content-Encoding', 'gzip']]));
  add('DELETE with Content-Encoding zstd and no body', write('DELETE', '/api/widgets/1', undefined, [['Content-Encoding', 'zstd']]));

  // Framing.
  add('POST chunked', { ...post(chunked(valid), jsonHeaders(['Transfer-Encoding', 'chunked'])), contentLength: 'none' });
  add('POST chunked in two chunks', { ...post(`5\r\n${valid.slice(0, 5)}\r\n${(valid.length - 5).toString(16)}\r\n${valid.slice(5)}\r\n0\r\n\r\n`, jsonHeaders(['Transfer-Encoding', 'chunked'])), contentLength: 'none' });
  add('POST chunked invalid JSON', { ...post(chunked('{'), jsonHeaders(['Transfer-Encoding', 'chunked'])), contentLength: 'none' });
  add('POST chunked empty', { ...post('0\r\n\r\n', jsonHeaders(['Transfer-Encoding', 'chunked'])), contentLength: 'none' });
  add('POST chunked over the limit', { ...post(chunked(JSON.stringify({ name: 'a', price: 1, note: 'x'.repeat(70_000) })), jsonHeaders(['Transfer-Encoding', 'chunked'])), contentLength: 'none' });
  add('POST chunked with Content-Length', post(chunked(valid), jsonHeaders(['Transfer-Encoding', 'chunked'])));
  add('POST with Transfer-Encoding gzip', { ...post(gzipSync(valid), jsonHeaders(['Transfer-Encoding', 'gzip'])), contentLength: 'none' });
  add('GET chunked', { method: 'GET', target: '/api/widgets/1', headers: [['Transfer-Encoding', 'chunked']], body: '0\r\n\r\n' });
  add('POST Content-Length not a number', { ...post(valid), contentLength: 'abc' });
  add('POST Content-Length negative', { ...post(valid), contentLength: '-1' });
  add('POST Content-Length with a plus', { ...post(valid), contentLength: `+${Buffer.byteLength(valid)}` });
  add('POST two different Content-Lengths', post(valid, jsonHeaders(['Content-Length', '3'])));
  add('POST two equal Content-Lengths', post(valid, jsonHeaders(['Content-Length', String(Buffer.byteLength(valid))])));
  add('POST Content-Length with leading zeros', { ...post(valid), contentLength: `000${Buffer.byteLength(valid)}` });
  add('POST with Transfer-Encoding identity', post(valid, jsonHeaders(['Transfer-Encoding', 'identity'])));
  cases.push(one('POST a declared length over the limit', { ...post(valid), contentLength: 70_000 }, { timeoutMs: 500 }));
  cases.push(one('POST a body shorter than its Content-Length, then the end of the stream', { ...post(valid), contentLength: Buffer.byteLength(valid) + 10 }, { halfClose: true }));
  cases.push(one('POST a body shorter than its Content-Length, then nothing', { ...post(valid), contentLength: Buffer.byteLength(valid) + 10 }, { timeoutMs: 500 }));
  cases.push({ ...pipelined('POST a body longer than its Content-Length (the rest is the next request)', { ...post(`${valid}GET /api/widgets/1 HTTP/1.1\r\nHost: x\r\n\r\n`), contentLength: Buffer.byteLength(valid) }), methods: ['POST', 'GET'] });
  cases.push(one('POST the body arriving in slow pieces', post(valid), { pieces: { sizes: [40, 200, 3, 5, 7], gapMs: 15 } }));
  cases.push(one('GET, then the end of the stream', get('/api/widgets/1'), { halfClose: true }));
  cases.push(one('POST, then the end of the stream', post(valid), { halfClose: true }));
  cases.push(one('a slow GET, then the end of the stream', get('/api/widgets/100'), { halfClose: true }));
  cases.push({ ...pipelined('two GETs, then the end of the stream', get('/api/widgets/1'), get('/api/widgets/2')), halfClose: true });
  cases.push(one('POST the headers arriving in slow pieces', post(valid), { pieces: { sizes: [10, 30, 100], gapMs: 15 } }));
  // Refused before the body is read, while the body is still coming; then the next request on the connection.
  const slowly = (name: string, first: Request): void => {
    const head = bytesOf(first).indexOf('\r\n\r\n') + 4;
    cases.push({ ...pipelined(name, first, get('/api/widgets/1')), pieces: { sizes: [head, 5, 5, 5], gapMs: 20 } });
  };
  slowly('a 401 while the body arrives slowly, then a GET', { method: 'POST', target: '/api/widgets', headers: jsonHeaders(), body: valid });
  slowly('a 403 while the body arrives slowly, then a GET', { method: 'POST', target: '/api/widgets', headers: [['Authorization', `Bearer ${tokens.readOnly}`], ['Content-Type', 'application/json']], body: valid });
  slowly('a bad id while the body arrives slowly, then a GET', write('PUT', '/api/widgets/01', valid));
  slowly('invalid JSON arriving slowly, then a GET', post('{"name":"a","price":1'));
  slowly('a valid write arriving slowly, then a GET', post(valid));
  add('POST with Expect: 100-continue', post(valid, jsonHeaders(['Expect', '100-continue'])));
  add('POST with Expect: nothing', post(valid, jsonHeaders(['Expect', 'nothing'])));
  add('GET with Connection: close', get('/api/widgets/1', [['Connection', 'close']]));
  add('POST with Connection: close', post(valid, jsonHeaders(['Connection', 'close'])));
  add('GET over HTTP/1.0', { ...get('/api/widgets/1'), version: 'HTTP/1.0' });
  add('GET over HTTP/1.0 with keep-alive', { ...get('/api/widgets/1', [['Connection', 'keep-alive']]), version: 'HTTP/1.0' });
  add('POST over HTTP/1.0', { ...post(valid), version: 'HTTP/1.0' });
  add('GET without Host', { ...get('/api/widgets/1'), noHost: true });
  add('GET with headers over 16 KiB', get('/api/widgets/1', [['X-Padding', 'p'.repeat(17_000)]]));
  add('GET with a space before a colon', { method: 'GET', target: '/api/widgets/1', headers: [['X-Bad ', 'x']] });
  add('GET with an obsolete line folding', { method: 'GET', target: '/api/widgets/1', headers: [['X-Folded', 'a\r\n b']] });
  add('GET with Accept: text/html', get('/api/widgets/1', [['Accept', 'text/html']]));
  add('GET with Accept: application/json;q=0', get('/api/widgets/1', [['Accept', 'application/json;q=0']]));
  add('GET with Accept-Encoding: gzip', get('/api/widgets?limit=2', [['Accept-Encoding', 'gzip']]));

  // Request ids and trace context.
  for (const [name, value] of [['sane', 'trace-abc.123'], ['with spaces', 'has spaces "and quotes"'], ['129 characters', 'a'.repeat(129)], ['128 characters', 'a'.repeat(128)], ['empty', ''], ['starting with a dash', '-abc'], ['latin-1', 'caf\xe9'], ['a UUID', '7d5a1c3e-0000-4000-8000-000000000000']] as const) {
    add(`x-request-id ${name}`, get('/api/widgets/1', [['X-Request-Id', value]]));
    add(`x-request-id ${name} on a refused write`, { method: 'POST', target: '/api/widgets', headers: [['X-Request-Id', value], ['Content-Type', 'application/json']], body: valid });
  }
  add('two x-request-ids', get('/api/widgets/1', [['X-Request-Id', 'one'], ['X-Request-Id', 'two']]));
  add('x-request-id on a 500', get('/api/widgets/500', [['X-Request-Id', 'req-500']]));
  add('x-request-id on a 404', get('/nowhere', [['X-Request-Id', 'req-404']]));
  add('a traceparent', get('/api/widgets/1', [['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']]));
  add('a traceparent on a write', post(valid, jsonHeaders(['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'])));
  add('a malformed traceparent', get('/api/widgets/1', [['traceparent', 'garbage']]));

  // Several requests in one write on one keep-alive connection.
  cases.push(pipelined('pipelined GET and GET', get('/api/widgets/1'), get('/api/widgets/2?a[b]=c')));
  cases.push(pipelined('pipelined GET, list and part', get('/api/widgets/1'), get('/api/widgets?limit=3'), get('/api/widgets/1/parts/-1')));
  cases.push(pipelined('pipelined POST and GET', post(valid), get('/api/widgets/1')));
  cases.push(pipelined('pipelined POST, PUT and DELETE', post(valid), write('PUT', '/api/widgets/3', valid), write('DELETE', '/api/widgets/3', undefined, [])));
  cases.push(pipelined('pipelined 404 and GET', get('/nowhere'), get('/api/widgets/1')));
  cases.push(pipelined('pipelined 400 and GET', get('/api/widgets/01'), get('/api/widgets/1')));
  cases.push(pipelined('pipelined HEAD and GET', { method: 'HEAD', target: '/api/widgets/1' }, get('/api/widgets/1')));
  cases.push(pipelined('pipelined OPTIONS and GET', { method: 'OPTIONS', target: '/api/widgets/1' }, get('/api/widgets/1')));
  cases.push(pipelined('pipelined conditional GET and GET', get('/api/widgets/1', [['If-None-Match', '"1"']]), get('/api/widgets/1')));
  cases.push(pipelined('pipelined invalid JSON and GET', post('{'), get('/api/widgets/1')));
  cases.push(pipelined('pipelined 401 with an unread body and GET', { method: 'POST', target: '/api/widgets', headers: jsonHeaders(), body: valid }, get('/api/widgets/1')));
  cases.push(pipelined('pipelined 415 with an unread body and GET', post('x', [['Content-Type', 'text/plain']]), get('/api/widgets/1')));
  cases.push(pipelined('pipelined 413 and GET', post(JSON.stringify({ name: 'a', price: 1, note: 'x'.repeat(70_000) })), get('/api/widgets/1')));
  cases.push(pipelined('pipelined body on a GET and GET', { method: 'GET', target: '/api/widgets/1', headers: jsonHeaders(), body: valid }, get('/api/widgets/2')));
  cases.push(pipelined('pipelined gzip POST and GET', post(gzipSync(valid), jsonHeaders(['Content-Encoding', 'gzip'])), get('/api/widgets/1')));
  cases.push(pipelined('pipelined chunked POST and GET', { ...post(chunked(valid), jsonHeaders(['Transfer-Encoding', 'chunked'])), contentLength: 'none' }, get('/api/widgets/1')));
  cases.push(pipelined('pipelined 500 and GET', get('/api/widgets/500'), get('/api/widgets/1')));
  cases.push(pipelined('pipelined GET with Connection: close and GET', get('/api/widgets/1', [['Connection', 'close']]), get('/api/widgets/2')));
  cases.push(pipelined('pipelined slow GET, fast GET and a write', get('/api/widgets/100'), get('/api/widgets/1'), post(valid)));
  cases.push(pipelined('pipelined slow write, then a refused one', write('PUT', '/api/widgets/100', valid), { method: 'PUT', target: '/api/widgets/1', headers: jsonHeaders(), body: valid }));
  cases.push(pipelined('pipelined ten GETs', ...Array.from({ length: 10 }, (_, index) => get(`/api/widgets/${index + 1}`))));
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Answers as compared

const accessMessages = new Set(['request completed', 'request failed', 'request aborted by the client']);
const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** What one side did with a case: its answers and its log lines, generated ids masked. */
interface Seen {
  readonly ended: RawExchange['ended'];
  readonly responses: { readonly statusLine: string; readonly headers: readonly string[]; readonly body: string }[];
  readonly unparsed: string;
  /** The log lines as written (their members in order), `time`, `durationMs` and the part's name masked. */
  readonly log: string[];
  /** What an installed exchange observer was told (none without one). */
  readonly exchanges: string[];
}

const text = (bytes: Buffer): string => (isUtf8(bytes) ? bytes.toString('utf8') : `base64:${bytes.toString('base64')}`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An answer to what Node's HTTP parser refused: a problem without `instance` (http/client-errors.ts), no access line. */
const refusedByParser = (response: RawResponse): boolean => /^\{"type":"about:blank",[^]*"requestId":"[^"]*"\}$/.test(response.body.toString('latin1')) && !response.body.includes('"instance"');

async function run(side: Side, request: Case): Promise<Seen> {
  const from = side.lines.length;
  const fromExchange = observed.length;
  const answered = await exchange(side.port, request.bytes, { methods: request.methods, ...(request.halfClose ? { halfClose: true } : {}), ...(request.pieces ? { pieces: request.pieces } : {}), ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}) });
  // The access line is written when the response closes, which may come just after the client has it.
  // Every final answer has its access line, but those to what Node's parser refused.
  // At warn only the 5xx lines (and the aborted ones) are written.
  const logged = (response: RawResponse): boolean => side.level !== 'warn' || /^HTTP\/1\.[01] 5/.test(response.statusLine);
  const finals = answered.responses.filter((response) => !/^HTTP\/1\.[01] 1\d\d /.test(response.statusLine) && !refusedByParser(response) && logged(response)).length;
  const accessLines = (): number => side.lines.slice(from).filter((line) => accessMessages.has(line.msg as string)).length;
  const expected = answered.ended === 'answered' ? finals : Math.max(finals, 1);
  // Wait for each line this request causes, so none falls into the next case's lines.
  await side.linesUntil(() => accessLines() >= expected, 250);
  // A request left unanswered may still log (its handler finishing after the client left).
  if (answered.ended !== 'answered') await sleep(250);
  // Every id the case did not send is the server's: masked by order of appearance.
  const sent = request.bytes.toString('latin1');
  const masks = new Map<string, string>();
  const mask = (value: string): string => value.replace(uuid, (id) => (sent.includes(id) ? id : (masks.get(id) ?? (masks.set(id, `<generated-${masks.size + 1}>`), masks.get(id)!))));
  const responses = answered.responses.map((response) => ({
    statusLine: response.statusLine,
    // Field names are case-insensitive (RFC 9110 5.1), and the Express pipeline itself spells them both ways.
    headers: response.headers.filter(([name]) => name.toLowerCase() !== 'date').map(([name, value]) => mask(`${name.toLowerCase()}: ${value}`)),
    body: mask(text(response.body)),
  }));
  const log = side.lines.slice(from).map((line) => {
    // Parsed and written again in the same order: JSON.stringify keeps the members' order.
    const copy = JSON.parse(JSON.stringify(line)) as Record<string, unknown>;
    for (const key of ['time', 'durationMs', 'service']) if (key in copy) copy[key] = `<${key}>`;
    const err = copy.err as { stack?: string } | undefined;
    // A stack names the frames that ran, which differ by design: its first line (the error) must not.
    if (err?.stack !== undefined) err.stack = err.stack.split('\n')[0];
    return mask(JSON.stringify(copy));
  });
  // A header value reported as a number or as its text is the same field on the wire (and to the conformance check).
  const exchanges = observed.slice(fromExchange).map((reported) => mask(JSON.stringify({ ...reported, headers: Object.fromEntries(Object.entries(reported.headers).map(([name, value]) => [name, Array.isArray(value) ? value.map(String) : String(value)])) })));
  return { ended: answered.ended, responses, unparsed: mask(text(answered.rest)), log, exchanges };
}

/** Both sides' view of one case, the Express pipeline's first. */
async function both(pair: Pair, request: Case): Promise<{ express: Seen; fast: Seen }> {
  return { express: await run(pair.express, request), fast: await run(pair.fast, request) };
}

// ---------------------------------------------------------------------------------------------
// The tests

/** A side's answers to a batch of cases sent at once (their log lines interleave: not compared). */
async function answers(side: Side, batch: readonly Case[]): Promise<unknown[]> {
  const seen = await Promise.all(batch.map((request) => run(side, request)));
  return seen.map(({ ended, responses, unparsed }) => ({ ended, responses, unparsed }));
}

/** Every hand-written case is a test of its own, so each difference is named. */
function handWrittenTests(pair: Pair): void {
  for (const request of handWritten()) {
    it(`${request.name}`, async () => {
      const { express: expected, fast: actual } = await both(pair, request);
      expect(actual).toEqual(expected);
    });
  }
}

/** A side's request counts by operation, method and status, its part's name masked. */
async function counts(side: Side): Promise<string[]> {
  const scraped = await (await fetch(`http://127.0.0.1:${side.port}/metrics`)).text();
  return scraped
    .split('\n')
    .filter((line) => line.startsWith('http_server_request_duration_seconds_count{'))
    .map((line) => line.replace(`part="${side.part}"`, 'part="<side>"'))
    .toSorted();
}

/** The request counts of both sides' histograms must be the same. */
function histogramTest(pair: Pair): void {
  it('counted-the-same-requests-in-both-histograms', async () => {
    const expected = await counts(pair.express);
    expect(expected.length).toBeGreaterThan(10);
    expect(await counts(pair.fast)).toEqual(expected);
  });
}

/** The fuzzer's requests to one operation, as bytes; writes carry a valid token unless the mutation sets one. */
function fuzzCases(): { operation: string; cases: Case[] }[] {
  const contract = contractOf(widgetsSurface.specFile, widgetsSpec as Readonly<Record<string, unknown>>);
  return operationsOf(contract).map((operation, index) => {
    const securedOperation = widgetsSurface.routes.find((route) => route.operationId === operation.id)?.security.length !== 0;
    const requests = [
      ...fc.sample(validRequests(operation), { numRuns: perOperation.valid, seed: seed + index }),
      ...fc.sample(mutatedRequests(operation), { numRuns: perOperation.mutated, seed: seed + index }),
    ];
    const cases = requests.map((request, at): Case => {
      const headers: Header[] = Object.entries(request.headers);
      if (securedOperation && request.headers.authorization === undefined) headers.unshift(['Authorization', bearer]);
      return one(`${operation.id} #${at} ${request.kind}: ${request.method} ${request.target.slice(0, 80)}`, { method: request.method, target: request.target, headers, ...(request.body === undefined ? {} : { body: request.body }) });
    });
    return { operation: operation.id, cases };
  });
}

describe('the REST fast path answers as the Express pipeline does (production logger, info)', () => {
  const pair = pairForTests('fast-path-test');
  describe('hand-written requests', () => {
    handWrittenTests(pair);
  });

  describe(`the contract fuzzer's requests (seed ${seed})`, () => {
    for (const { operation, cases } of fuzzCases()) {
      it(`${operation}: ${cases.length} valid and mutated requests`, { timeout: 120_000 }, async () => {
        const differences: unknown[] = [];
        for (const request of cases) {
          const { express: expected, fast: actual } = await both(pair, request);
          if (JSON.stringify(expected) !== JSON.stringify(actual)) differences.push({ case: request.name, express: expected, fast: actual });
        }
        expect(differences.slice(0, 3)).toEqual([]);
      });
    }
  });

  it('answers-the-hand-written-requests-alike-when-twenty-arrive-at-once', { timeout: 120_000 }, async () => {
    const cases = handWritten().filter((request) => request.methods.length === 1 && request.timeoutMs === undefined && request.pieces === undefined && !request.halfClose);
    const differences: unknown[] = [];
    for (let at = 0; at < cases.length; at += 20) {
      const batch = cases.slice(at, at + 20);
      const [expected, actual] = [await answers(pair.express, batch), await answers(pair.fast, batch)];
      batch.forEach((request, index) => {
        if (JSON.stringify(expected[index]) !== JSON.stringify(actual[index])) differences.push({ case: request.name, express: expected[index], fast: actual[index] });
      });
    }
    expect(differences.slice(0, 3)).toEqual([]);
  });

  describe('after the corpus', () => {
    histogramTest(pair);

    // Once the fast path is on main, it must have served requests itself: a fast path that declines
    // everything would pass every comparison above.
    const fastPathSources = readdirSync(new URL('.', import.meta.url)).filter((file) => /^fast-path.*\.ts$/.test(file) && !/\.(test|fixture)\.ts$/.test(file));
    it.skipIf(fastPathSources.length === 0 && !existsSync(new URL('./fast-path/', import.meta.url)))('served-the-plain-requests-on-the-fast-path-and-none-on-the-other-server', () => {
      expect(pair.express.calls.filter((call) => call.fromFastPath)).toEqual([]);
      const served = new Set(pair.fast.calls.filter((call) => call.fromFastPath).map((call) => call.operation));
      expect([...served].toSorted()).toEqual(['createWidget', 'deleteWidget', 'getLabel', 'getPart', 'getWidget', 'listWidgets', 'updateWidget']);
      expect(pair.fast.calls.filter((call) => call.fromFastPath).length).toBeGreaterThan(pair.fast.calls.length / 2);
    });
  });
});

describe('the REST fast path answers as the Express pipeline does (production logger, debug; an exchange observer installed)', () => {
  const pair = pairForTests('fast-path-test-debug', { logger: 'createLogger', level: 'debug' }, { observe: true });
  handWrittenTests(pair);
  histogramTest(pair);
});

describe('the REST fast path answers as the Express pipeline does (production logger, warn)', () => {
  const pair = pairForTests('fast-path-test-warn', { logger: 'createLogger', level: 'warn' });
  handWrittenTests(pair);
  histogramTest(pair);
});

describe('the REST fast path answers as the Express pipeline does (bare pino logger, info)', () => {
  const pair = pairForTests('fast-path-test-pino', { logger: 'pino', level: 'info' });
  handWrittenTests(pair);
  histogramTest(pair);
});

/** An OTLP/HTTP (JSON) collector on a free port: every span exported to it, by the exporting part's `service.name`. */
async function startCollector(): Promise<{ readonly endpoint: string; readonly spans: Map<string, Record<string, unknown>[]>; close(): Promise<void> }> {
  const spans = new Map<string, Record<string, unknown>[]>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      type Attribute = { key: string; value: Record<string, unknown> };
      const exported = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans?: { resource?: { attributes?: Attribute[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] };
      for (const resource of exported.resourceSpans ?? []) {
        const service = String(resource.resource?.attributes?.find((attribute) => attribute.key === 'service.name')?.value.stringValue);
        const list = spans.get(service) ?? [];
        for (const scope of resource.scopeSpans ?? []) list.push(...(scope.spans ?? []));
        spans.set(service, list);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, spans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The case with a `traceparent` naming a trace of its own (its first request only). */
function traced(request: Case, traceId: string): Case {
  const lineEnd = request.bytes.indexOf('\r\n');
  const header = Buffer.from(`\r\ntraceparent: 00-${traceId}-00f067aa0ba902b7-01`, 'latin1');
  return { ...request, bytes: Buffer.concat([request.bytes.subarray(0, lineEnd), header, request.bytes.subarray(lineEnd)]) };
}

describe('while the server drains', () => {
  it('answers-a-request-in-flight-at-close-alike-with-connection-close', async () => {
    const seen: Seen[] = [];
    for (const name of ['express', 'fast'] as const) {
      const side = await start(name, `fast-path-test-drain-${name}`);
      const request = pipelined('a slow read, then a read, on one connection', get('/api/widgets/100'), get('/api/widgets/1'));
      const answered = run(side, request);
      // Close once the slow handler runs: the request is in flight (on a busy machine 40 ms may not be enough).
      for (let waited = 0; side.calls.length === 0 && waited < 2000; waited += 5) await sleep(5);
      const closed = side.server.close();
      seen.push(await answered);
      await closed;
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]?.responses[0]?.headers).toContain('connection: close');
  });
});

/** A valid create with this token. */
const writeWith = (token: string): Case => one('a write', { method: 'POST', target: '/api/widgets', headers: [['Authorization', `Bearer ${token}`], ['Content-Type', 'application/json']], body: valid });

describe("when the issuer's keys cannot be fetched", () => {
  it('answers-503-alike-for-a-token-of-a-new-key-and-serves-one-of-a-fetched-key', async () => {
    const own = await startLocalIssuer({ audience: `fast-path-keys-${randomUUID()}` });
    const pair = { express: await start('express', 'fast-path-test-keys-express', undefined, own), fast: await start('fast', 'fast-path-test-keys-fast', undefined, own) };
    try {
      const fetched = await own.sign({ scope: 'widgets:write', subject: 'dave@example' });
      const first = await both(pair, writeWith(fetched));
      expect(first.express.responses[0]?.statusLine).toBe('HTTP/1.1 201 Created');
      expect(first.fast).toEqual(first.express);
      await own.close();
      const rotated = await own.sign({ kid: await own.addKey('RS256'), scope: 'widgets:write' });
      const unavailable = await both(pair, writeWith(rotated));
      expect(unavailable.express.responses[0]?.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
      expect(unavailable.fast).toEqual(unavailable.express);
      const cached = await both(pair, writeWith(fetched));
      expect(cached.fast).toEqual(cached.express);
    } finally {
      await Promise.all([pair.express.server.close(), pair.fast.server.close()]);
    }
  });
});

// Last: tracing, once configured, is on for every part created afterwards.
describe('with tracing on', () => {
  it('made-the-same-server-span-for-every-request', { timeout: 120_000 }, async () => {
    const collector = await startCollector();
    configureTelemetry({ otlpEndpoint: collector.endpoint, otlpProtocol: 'http/json' });
    await loadTelemetry();
    const sides = [await start('express', 'fast-path-test-traced-express'), await start('fast', 'fast-path-test-traced-fast')];
    try {
      const cases = handWritten().filter((request) => request.methods.length === 1 && request.timeoutMs === undefined);
      const traceIds = new Map<string, string>();
      for (const request of cases) {
        const traceId = randomUUID().replaceAll('-', '');
        traceIds.set(traceId, request.name);
        for (const side of sides) await exchange(side.port, traced(request, traceId).bytes, { methods: request.methods });
      }
      // Spans end when their response closes, which may come just after the client has it.
      await sleep(200);
      await Promise.all(sides.map((side) => partTelemetry(side.part).tracing?.flush()));
      /** Each case's spans on a side: name, kind, parent, attributes (by name) and status; ids and times differ by nature. */
      const spansOf = (side: Side): Record<string, string[]> => {
        const byCase: Record<string, string[]> = {};
        for (const span of collector.spans.get(side.part) ?? []) {
          const name = traceIds.get(String(span.traceId)) ?? `another trace (${String(span.name)})`;
          const attributes = ((span.attributes ?? []) as { key: string; value: unknown }[]).toSorted((a, b) => a.key.localeCompare(b.key));
          (byCase[name] ??= []).push(JSON.stringify({ name: span.name, kind: span.kind, parent: span.parentSpanId, attributes, status: span.status }));
        }
        return byCase;
      };
      const expected = spansOf(sides[0]!);
      expect(Object.keys(expected).length).toBeGreaterThan(cases.length / 2);
      expect(spansOf(sides[1]!)).toEqual(expected);
      // Each handler ran in its request's span (what it causes, a statement's span, is the span's child).
      // (A case that sends a traceparent of its own has two, which start a trace of their own.)
      const activeTraces = (side: Side): string[] => side.calls.map((call) => `${call.operation}: ${call.activeTraceId === undefined ? 'no active span' : (traceIds.get(call.activeTraceId) ?? 'a trace of its own')}`);
      expect(activeTraces(sides[0]!).filter((line) => line.endsWith('no active span'))).toEqual([]);
      expect(activeTraces(sides[1]!)).toEqual(activeTraces(sides[0]!));
    } finally {
      await Promise.all(sides.map((side) => side.server.close()));
      await collector.close();
    }
  });
});

