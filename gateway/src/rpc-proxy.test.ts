import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { DescMethodUnary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import type { ServiceImpl, Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { GetAllPlatformsRequestSchema, PlatformService } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { createGrpcServer } from '@platform/runtime/grpc';
import type { GrpcServer } from '@platform/runtime/grpc';
import { createLogger } from '@platform/runtime/logging';
import { afterEach, describe, expect, it } from 'vitest';
import { deadUrl, startGateway } from './test-upstream.ts';
import type { TestServer } from './test-upstream.ts';

const logger = createLogger({ name: 'rpc-proxy-test', level: 'silent' });
const catalogue = [
  { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' },
  { id: 2, name: 'SQL Server Express', publisher: 'Microsoft', cost: 'Free' },
  { id: 3, name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' },
];

const closing: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c.close()));
});

/** A real h2c gRPC listener (the runtime's) standing in for platform-service's. */
async function startRpcUpstream(impl: Partial<ServiceImpl<typeof PlatformService>>, readMaxBytes?: number): Promise<GrpcServer & { url: string }> {
  const server = createGrpcServer({ port: 0, host: '127.0.0.1', logger, ...(readMaxBytes ? { readMaxBytes } : {}), routes: (router) => router.service(PlatformService, impl) });
  const { url } = await server.listen();
  closing.push(server);
  return Object.assign(server, { url });
}

async function gatewayTo(platformServiceGrpcUrl: string, upstreamTimeout = 5000): Promise<TestServer> {
  const gateway = await startGateway({ platformServiceGrpcUrl, upstreamTimeout });
  closing.push(gateway);
  return gateway;
}

/** What a browser can use: Connect (JSON and binary) and gRPC-Web, over HTTP/1.1. */
const browserTransports = (baseUrl: string): [string, Transport][] => [
  ['connect+json', createConnectTransport({ baseUrl, httpVersion: '1.1' })],
  ['connect+proto', createConnectTransport({ baseUrl, httpVersion: '1.1', useBinaryFormat: true })],
  ['grpc-web', createGrpcWebTransport({ baseUrl, httpVersion: '1.1' })],
];

const failure = (call: Promise<unknown>): Promise<ConnectError> =>
  call.then(
    () => Promise.reject(new Error('expected the call to fail')),
    (error: unknown) => ConnectError.from(error),
  );

const drain = async (stream: AsyncIterable<unknown>): Promise<void> => {
  for await (const _ of stream);
};

describe('gateway RPC routing (Connect and gRPC-Web over HTTP/1.1 to the h2c gRPC listener)', () => {
  it('forwards-unary-and-server-streaming-calls-of-every-browser-protocol', async () => {
    const upstream = await startRpcUpstream({
      getAllPlatforms: () => ({ platforms: catalogue }),
      async *streamPlatforms(request) {
        for (let i = 0; i < catalogue.length; i += request.batchSize) yield { platforms: catalogue.slice(i, i + request.batchSize) };
      },
    });
    const gateway = await gatewayTo(upstream.url);
    for (const [protocol, transport] of browserTransports(gateway.url)) {
      const client = createClient(PlatformService, transport);
      expect({ protocol, names: (await client.getAllPlatforms({})).platforms.map((p) => p.name) }).toEqual({ protocol, names: catalogue.map((p) => p.name) });
      const batches = [];
      for await (const batch of client.streamPlatforms({ batchSize: 2 })) batches.push(batch.platforms.map((p) => p.id));
      expect({ protocol, batches }).toEqual({ protocol, batches: [[1, 2], [3]] });
    }
  });

  it('streams-each-message-to-the-caller-before-the-upstream-sends-the-next', async () => {
    let received = Promise.withResolvers<void>();
    const upstream = await startRpcUpstream({
      async *streamPlatforms() {
        yield { platforms: catalogue.slice(0, 1) };
        // Only a caller that already holds the first message lets the stream go on: a gateway
        // that buffered the response would wait here forever.
        await received.promise;
        yield { platforms: catalogue.slice(1) };
      },
    });
    const gateway = await gatewayTo(upstream.url);
    for (const [protocol, transport] of browserTransports(gateway.url)) {
      received = Promise.withResolvers<void>();
      const seen: number[][] = [];
      for await (const batch of createClient(PlatformService, transport).streamPlatforms({})) {
        seen.push(batch.platforms.map((p) => p.id));
        received.resolve();
      }
      expect({ protocol, seen }).toEqual({ protocol, seen: [[1], [2, 3]] });
    }
  });

  it('passes-the-request-id-and-the-forwarded-headers-upstream', async () => {
    const upstream = await startRpcUpstream({
      getAllPlatforms: (_request, context) => ({
        platforms: [{ id: 1, name: `${context.requestHeader.get('x-request-id')} ${context.requestHeader.get('x-forwarded-for')}`, publisher: '', cost: '' }],
      }),
    });
    const gateway = await gatewayTo(upstream.url);
    const client = createClient(PlatformService, createConnectTransport({ baseUrl: gateway.url, httpVersion: '1.1' }));
    const response = await client.getAllPlatforms({}, { headers: { 'x-request-id': 'rpc-test-1' } });
    expect(response.platforms[0]?.name).toMatch(/^rpc-test-1 (::ffff:)?127\.0\.0\.1$/);
  });

  it('passes-errors-with-their-message-and-answers-unimplemented-for-unknown-methods', async () => {
    const message = 'batch_size must be >= 0 (got -1), 100% «é»';
    const upstream = await startRpcUpstream({
      getAllPlatforms: () => {
        throw new ConnectError(message, Code.InvalidArgument);
      },
    });
    const gateway = await gatewayTo(upstream.url);
    const nope = { ...PlatformService.method.getAllPlatforms, name: 'Nope' } as DescMethodUnary;
    for (const [protocol, transport] of browserTransports(gateway.url)) {
      const error = await failure(createClient(PlatformService, transport).getAllPlatforms({}));
      expect({ protocol, code: error.code, message: error.rawMessage }).toEqual({ protocol, code: Code.InvalidArgument, message });
      const unknown = await failure(transport.unary(nope, undefined, undefined, undefined, {}));
      const noMethod = 'cannot call platforms.v1.PlatformService/Nope: platforms.v1.PlatformService has no method Nope';
      expect({ protocol, code: unknown.code, message: unknown.rawMessage }).toEqual({ protocol, code: Code.Unimplemented, message: noMethod });
    }
  });

  it('lets-the-upstream-refuse-an-oversized-request-with-resource-exhausted', async () => {
    const upstream = await startRpcUpstream({ getAllPlatforms: () => ({ platforms: [] }) }, 1024);
    const gateway = await gatewayTo(upstream.url);
    const request = create(GetAllPlatformsRequestSchema);
    request.$unknown = [{ no: 15, wireType: WireType.LengthDelimited, data: new BinaryWriter().bytes(new Uint8Array(1024 * 1024)).finish() }];
    expect(toBinary(GetAllPlatformsRequestSchema, request).byteLength).toBeGreaterThan(1024 * 1024);
    for (const [protocol, transport] of browserTransports(gateway.url).filter(([name]) => name !== 'connect+json')) {
      const error = await failure(createClient(PlatformService, transport).getAllPlatforms(request));
      expect({ protocol, code: error.code }).toEqual({ protocol, code: Code.ResourceExhausted });
    }
  });

  it('answers-unavailable-in-the-callers-protocol-when-platform-service-cannot-be-reached', async () => {
    const gateway = await gatewayTo(await deadUrl());
    for (const [protocol, transport] of browserTransports(gateway.url)) {
      const client = createClient(PlatformService, transport);
      // Each call starts only when awaited: a rejection created ahead of its await is an unhandled one.
      for (const call of [() => client.getAllPlatforms({}), () => drain(client.streamPlatforms({}))]) {
        const error = await failure(call());
        const expected = 'cannot call platforms.v1.PlatformService/' + (error.rawMessage.includes('GetAll') ? 'GetAllPlatforms' : 'StreamPlatforms');
        expect({ protocol, code: error.code, message: error.rawMessage }).toEqual({ protocol, code: Code.Unavailable, message: `${expected}: platform-service cannot be reached; try again later` });
      }
    }
  });

  it('answers-unavailable-when-platform-service-stays-silent-past-the-upstream-timeout', async () => {
    const upstream = await startRpcUpstream({ getAllPlatforms: (_request, context) => new Promise((resolve) => context.signal.addEventListener('abort', () => resolve({ platforms: [] }))) });
    const gateway = await gatewayTo(upstream.url, 100);
    const error = await failure(createClient(PlatformService, createConnectTransport({ baseUrl: gateway.url, httpVersion: '1.1' })).getAllPlatforms({}));
    expect(error).toMatchObject({ code: Code.Unavailable, rawMessage: 'cannot call platforms.v1.PlatformService/GetAllPlatforms: platform-service did not answer within 100 ms' });
  });

  it('answers-grpc-which-needs-http-2-end-to-end-with-unimplemented-and-says-where-to-go', async () => {
    const upstream = await startRpcUpstream({ getAllPlatforms: () => ({ platforms: catalogue }) });
    const gateway = await gatewayTo(upstream.url);
    const answer = await fetch(`${gateway.url}/platforms.v1.PlatformService/GetAllPlatforms`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc' },
      body: new Uint8Array(5),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('grpc-status')).toBe(String(Code.Unimplemented));
    expect(decodeURIComponent(answer.headers.get('grpc-message') ?? '')).toBe(
      "cannot call platforms.v1.PlatformService/GetAllPlatforms through the gateway: gRPC needs HTTP/2 end to end; call it with the Connect or gRPC-Web protocol here, or with gRPC on platform-service's gRPC port",
    );
  });
});
