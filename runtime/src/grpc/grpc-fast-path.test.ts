import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import type { HandlerContext, Interceptor, ServiceImpl } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueService, StreamPlatformsRequestSchema } from '../generated/fixtures/proto/catalogue/v1/catalogue_pb.ts';
import { createLogger } from '../logging/index.ts';
import { encodeGrpcMessage } from './grpc-message.ts';
import { createNodeHandler } from './node-handler.ts';

const logger = createLogger({ name: 'grpc-fast-path-test', level: 'silent' });
const catalogue = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, name: `Platform ${i + 1}`, publisher: 'Publisher of a long enough name', cost: 'Free' }));
const path = (method: string): string => `/catalogue.v1.CatalogueService/${method}`;

/** Each call's context, to see which road served it: connect-es's universal handler aborts the signal after every call, the fast path only when the call did not end normally. */
const contexts: HandlerContext[] = [];

/** Behaves by the `x-mode` request header, so one implementation covers answers, errors and deadlines. */
const implementation = {
  async getAllPlatforms(_request, context) {
    contexts.push(context);
    const mode = context.requestHeader.get('x-mode');
    if (mode === 'fail') throw new ConnectError('cannot list: 100% «sure», a=b', Code.FailedPrecondition, { 'x-why': 'because' });
    if (mode === 'crash') throw new Error('secret internals');
    if (mode === 'wait-for-abort') await new Promise((resolve) => context.signal.addEventListener('abort', resolve));
    context.responseHeader.set('x-answer', 'yes');
    context.responseTrailer.set('x-count', String(catalogue.length));
    return { platforms: catalogue };
  },
  async *streamPlatforms(request, context) {
    contexts.push(context);
    const size = request.batchSize || 500;
    for (let i = 0; i < catalogue.length; i += size) {
      yield { platforms: catalogue.slice(i, i + size) };
      if (context.requestHeader.get('x-mode') === 'fail-after-one') throw new ConnectError('cannot go on', Code.Unavailable);
    }
    context.responseTrailer.set('x-batches', 'done');
  },
} satisfies ServiceImpl<typeof CatalogueService>;

/** Adds a request header before the implementation runs: proves the fast path calls the router's interceptors. */
const tagging: Interceptor = (next) => (request) => {
  request.header.set('x-intercepted', 'yes');
  return next(request);
};

async function startServer(fastPath: boolean, routes: Parameters<typeof createNodeHandler>[0]['routes'] = (router) => router.service(CatalogueService, implementation)): Promise<{ url: string; close: () => Promise<void> }> {
  const handler = createNodeHandler({ routes, readMaxBytes: 1024, interceptors: [tagging], shutdownSignal: new AbortController().signal, logger, fastPath });
  const server = http2.createServer();
  server.on('stream', handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => sessions.add(session));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => { for (const session of sessions) session.destroy(); server.close(() => resolve()); }) };
}

const envelope = (flags: number, data: Uint8Array): Buffer => {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(data.byteLength, 1);
  return Buffer.concat([header, data]);
};
const empty = envelope(0, new Uint8Array(0));
const streamRequest = (init: { batchSize: number }): Uint8Array => toBinary(StreamPlatformsRequestSchema, create(StreamPlatformsRequestSchema, init));

/** One raw HTTP/2 call; the answer without its `date`, the body as hex. */
async function rawCall(url: string, method: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array) {
  const session = http2.connect(url);
  try {
    const stream = session.request({ ':method': 'POST', ':path': path(method), 'content-type': 'application/grpc', te: 'trailers', ...headers });
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => {
      stream.once('trailers', resolve);
      stream.once('end', () => resolve({}));
    });
    const response = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
    stream.end(body);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const { date, ...answerHeaders } = await response;
    expect(date).toBeDefined();
    return { headers: answerHeaders, body: Buffer.concat(chunks).toString('hex'), trailers: await trailers };
  } finally {
    session.close();
  }
}

describe('grpc fast path', () => {
  let fast: Awaited<ReturnType<typeof startServer>>;
  let universal: Awaited<ReturnType<typeof startServer>>;

  beforeAll(async () => {
    [fast, universal] = await Promise.all([startServer(true), startServer(false)]);
  });
  afterAll(() => Promise.all([fast.close(), universal.close()]));

  /** The same raw call to both servers: the wire must not tell them apart. */
  async function sameOnBothRoads(method: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array) {
    const [onFast, onUniversal] = [await rawCall(fast.url, method, headers, body), await rawCall(universal.url, method, headers, body)];
    expect(onFast).toEqual(onUniversal);
    return onFast;
  }

  it('serves-binary-grpc-unary-and-server-streaming-calls-and-leaves-the-other-protocols-to-connect', async () => {
    const served = async (transport: Parameters<typeof createClient>[1], contentType: string): Promise<string> => {
      contexts.length = 0;
      const client = createClient(CatalogueService, transport);
      await client.getAllPlatforms({});
      let batches = 0;
      for await (const batch of client.streamPlatforms({ batchSize: 25 })) batches += batch.platforms.length > 0 ? 1 : 0;
      expect(batches).toBe(2);
      // The universal handler aborts every call's signal when it ends; the fast path leaves a finished call's alone.
      const roads = contexts.map((context) => (context.signal.aborted ? 'universal' : 'fast'));
      return `${contentType}: ${roads.join(', ')}`;
    };
    const seen = [
      await served(createGrpcTransport({ baseUrl: fast.url }), 'application/grpc+proto'),
      await served(createGrpcTransport({ baseUrl: fast.url, useBinaryFormat: false }), 'application/grpc+json'),
      await served(createGrpcWebTransport({ baseUrl: fast.url, httpVersion: '2' }), 'application/grpc-web+proto'),
      await served(createConnectTransport({ baseUrl: fast.url, httpVersion: '2', useBinaryFormat: true }), 'application/proto'),
    ];
    expect(seen).toEqual(['application/grpc+proto: fast, fast', 'application/grpc+json: universal, universal', 'application/grpc-web+proto: universal, universal', 'application/proto: universal, universal']);
    const plain = await rawCall(fast.url, 'GetAllPlatforms', {}, empty);
    expect(contexts.at(-1)?.signal.aborted).toBe(false);
    expect(plain.trailers['grpc-status']).toBe('0');
  });

  it('leaves-a-service-registered-with-options-of-its-own-to-the-universal-handler', async () => {
    const own = await startServer(true, (router) => router.service(CatalogueService, implementation, { readMaxBytes: 512 }));
    try {
      contexts.length = 0;
      const client = createClient(CatalogueService, createGrpcTransport({ baseUrl: own.url }));
      await client.getAllPlatforms({});
      expect(contexts.map((context) => context.signal.aborted)).toEqual([true]);
    } finally {
      await own.close();
    }
  });

  it('answers-as-the-universal-handler-does-with-headers-trailers-and-interceptors', async () => {
    const unary = await sameOnBothRoads('GetAllPlatforms', {}, empty);
    expect(unary.headers).toMatchObject({ ':status': 200, 'content-type': 'application/grpc+proto', 'x-answer': 'yes' });
    expect(unary.trailers).toMatchObject({ 'grpc-status': '0', 'x-count': '40' });
    expect(contexts.at(-1)?.requestHeader.get('x-intercepted')).toBe('yes');
    const stream = await sameOnBothRoads('StreamPlatforms', {}, envelope(0, streamRequest({ batchSize: 15 })));
    expect(stream.trailers).toMatchObject({ 'grpc-status': '0', 'x-batches': 'done' });
    expect(contexts.at(-1)?.requestHeader.get('x-intercepted')).toBe('yes');
  });

  it('maps-errors-to-grpc-status-trailers-as-the-universal-handler-does', async () => {
    const failed = await sameOnBothRoads('GetAllPlatforms', { 'x-mode': 'fail' }, empty);
    expect(failed.trailers).toMatchObject({ 'grpc-status': String(Code.FailedPrecondition), 'grpc-message': encodeGrpcMessage('cannot list: 100% «sure», a=b'), 'x-why': 'because' });
    const crashed = await sameOnBothRoads('GetAllPlatforms', { 'x-mode': 'crash' }, empty);
    expect(crashed.trailers).toMatchObject({ 'grpc-status': String(Code.Internal), 'grpc-message': 'internal error' });
    const midStream = await sameOnBothRoads('StreamPlatforms', { 'x-mode': 'fail-after-one' }, envelope(0, streamRequest({ batchSize: 10 })));
    expect(midStream.body.length).toBeGreaterThan(0);
    expect(midStream.trailers).toMatchObject({ 'grpc-status': String(Code.Unavailable), 'grpc-message': 'cannot go on' });
  });

  it('refuses-malformed-missing-extra-and-over-limit-requests-as-the-universal-handler-does', async () => {
    const cases: [string, Uint8Array, Code][] = [
      ['a message that does not decode', envelope(0, Uint8Array.of(0x0a, 0x05, 0x01)), Code.InvalidArgument],
      ['a body cut inside the envelope', envelope(0, Uint8Array.of(0x08, 0x01)).subarray(0, 6), Code.InvalidArgument],
      ['no message', new Uint8Array(0), Code.Unimplemented],
      ['two messages', Buffer.concat([empty, empty]), Code.Unimplemented],
      ['a message past readMaxBytes', envelope(0, new Uint8Array(2048)), Code.ResourceExhausted],
      ['a compressed message without grpc-encoding', envelope(1, new Uint8Array(3)), Code.Internal],
    ];
    for (const [what, body, code] of cases) {
      for (const method of ['GetAllPlatforms', 'StreamPlatforms']) {
        const answer = await sameOnBothRoads(method, {}, body);
        expect(`${method}, ${what}: ${answer.trailers['grpc-status']}`).toBe(`${method}, ${what}: ${code}`);
      }
    }
  });

  it('negotiates-compression-and-parses-grpc-timeout-as-the-universal-handler-does', async () => {
    const gzipped = await sameOnBothRoads('StreamPlatforms', { 'grpc-encoding': 'gzip', 'grpc-accept-encoding': 'gzip' }, envelope(1, gzipSync(streamRequest({ batchSize: 40 }))));
    expect(gzipped.headers['grpc-encoding']).toBe('gzip');
    // The 40-platform batch is past connect-es's 1 KiB threshold: its envelope is compressed (flag 1).
    expect(gzipped.body.slice(0, 2)).toBe('01');
    expect(gzipped.trailers['grpc-status']).toBe('0');
    const unknown = await sameOnBothRoads('GetAllPlatforms', { 'grpc-encoding': 'zstd' }, empty);
    expect(unknown.trailers['grpc-status']).toBe(String(Code.Unimplemented));
    const badTimeout = await sameOnBothRoads('GetAllPlatforms', { 'grpc-timeout': 'soon' }, empty);
    expect(badTimeout.trailers).toMatchObject({ 'grpc-status': String(Code.InvalidArgument), 'grpc-message': 'protocol error: invalid grpc timeout value: soon' });
  });

  it('aborts-the-signal-at-the-grpc-timeout-and-answers-what-the-implementation-returned-as-the-universal-handler-does', async () => {
    // A call the implementation completed reads as completed (a write that committed never reads as failed).
    const answer = await sameOnBothRoads('GetAllPlatforms', { 'x-mode': 'wait-for-abort', 'grpc-timeout': '50m' }, empty);
    expect(answer.trailers['grpc-status']).toBe('0');
    const context = contexts.at(-2);
    expect(context?.signal.reason).toMatchObject({ code: Code.DeadlineExceeded });
    expect(context?.timeoutMs()).toBeLessThanOrEqual(0);
    const client = createClient(CatalogueService, createGrpcTransport({ baseUrl: fast.url }));
    await client.getAllPlatforms({}, { timeoutMs: 60_000 });
    expect(contexts.at(-1)?.timeoutMs()).toBeGreaterThan(50_000);
    // A deadline longer than a timer holds (2^31 - 1 ms) does not fire at once.
    const far = await rawCall(fast.url, 'GetAllPlatforms', { 'grpc-timeout': '1000H' }, empty);
    expect(far.trailers['grpc-status']).toBe('0');
    expect(contexts.at(-1)?.signal.aborted).toBe(false);
  });

  it('aborts-the-signal-of-a-call-whose-client-went-away', async () => {
    const session = http2.connect(fast.url);
    const stream = session.request({ ':method': 'POST', ':path': path('GetAllPlatforms'), 'content-type': 'application/grpc', 'x-mode': 'wait-for-abort' });
    stream.on('error', () => {});
    stream.end(empty);
    await expect.poll(() => contexts.at(-1)?.requestHeader.get('x-mode')).toBe('wait-for-abort');
    const context = contexts.at(-1);
    stream.close(http2.constants.NGHTTP2_CANCEL);
    await expect.poll(() => context?.signal.aborted).toBe(true);
    expect(context?.signal.reason).toMatchObject({ code: Code.Canceled });
    session.close();
  });
});
