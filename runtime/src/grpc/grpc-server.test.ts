import { connect } from 'node:net';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import type { ServiceImpl } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { Health } from '../generated/grpc/health/v1/health_pb.ts';
import { ServerReflection as ServerReflectionV1alpha } from '../generated/grpc/reflection/v1alpha/reflection_pb.ts';
import { CatalogueService } from '../generated/fixtures/proto/catalogue/v1/catalogue_pb.ts';
import { runBuf } from '@platform/tools/generate/proto.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { createGrpcServer } from './grpc-server.ts';
import type { GrpcServer, GrpcServerAddress } from './grpc-server.ts';
import { ServingStatus } from './health.ts';

const logger = createLogger({ name: 'grpc-server-test', level: 'silent' });

const catalogue = [
  { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' },
  { id: 2, name: 'SQL Server Express', publisher: 'Microsoft', cost: 'Free' },
  { id: 3, name: 'Kubernetes', publisher: 'Cloud Native Computing Foundation', cost: 'Free' },
];

async function* listServices() {
  yield { messageRequest: { case: 'listServices' as const, value: '' } };
}

/** An implementation of the runtime's fixture service (runtime/fixtures/proto), only to exercise the server. */
const platforms = {
  getAllPlatforms() {
    return { platforms: catalogue };
  },
  async *streamPlatforms(request) {
    const rest = catalogue.filter((p) => p.id > request.afterId);
    const size = request.batchSize || 500;
    for (let i = 0; i < rest.length; i += size) yield { platforms: rest.slice(i, i + size) };
  },
} satisfies ServiceImpl<typeof CatalogueService>;

describe('grpc server', () => {
  let server: GrpcServer;
  let address: GrpcServerAddress;

  beforeAll(async () => {
    server = createGrpcServer({ port: 0, host: '127.0.0.1', logger, routes: (router) => router.service(CatalogueService, platforms) });
    address = await server.listen();
  });
  afterAll(() => server.close());

  it('serves-both-rpcs-to-a-grpc-client', async () => {
    const client = createClient(CatalogueService, createGrpcTransport({ baseUrl: address.url }));
    expect((await client.getAllPlatforms({})).platforms.map((p) => p.name)).toEqual(['Dot Net', 'SQL Server Express', 'Kubernetes']);
    const batches = [];
    for await (const batch of client.streamPlatforms({ batchSize: 2, afterId: 0 })) batches.push(batch.platforms.map((p) => p.id));
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('serves-connect-and-grpc-web-clients-on-the-same-port', async () => {
    for (const transport of [
      createConnectTransport({ baseUrl: address.url, httpVersion: '2' }),
      createGrpcWebTransport({ baseUrl: address.url, httpVersion: '2' }),
    ]) {
      const response = await createClient(CatalogueService, transport).getAllPlatforms({});
      expect(response.platforms).toHaveLength(3);
    }
  });

  it('reports-serving-for-the-server-and-each-registered-service', async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: address.url }));
    expect((await health.check({ service: '' })).status).toBe(ServingStatus.SERVING);
    expect((await health.check({ service: 'catalogue.v1.CatalogueService' })).status).toBe(ServingStatus.SERVING);
  });

  it('lets-buf-curl-list-methods-through-reflection', async () => {
    const output = await runBuf(['curl', '--http2-prior-knowledge', '--list-methods', address.url], process.cwd());
    const methods = output.trim().split('\n');
    expect(methods).toEqual(
      expect.arrayContaining([
        'catalogue.v1.CatalogueService/GetAllPlatforms',
        'catalogue.v1.CatalogueService/StreamPlatforms',
        'grpc.health.v1.Health/Check',
        'grpc.health.v1.Health/Watch',
        'grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
        'grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo',
      ]),
    );
  });

  it('lets-buf-curl-call-get-all-platforms-over-grpc', async () => {
    const url = `${address.url}/catalogue.v1.CatalogueService/GetAllPlatforms`;
    const output = await runBuf(['curl', '--http2-prior-knowledge', '--protocol', 'grpc', url], process.cwd());
    expect(JSON.parse(output)).toEqual({ platforms: catalogue });
  });

  it('lets-buf-curl-call-stream-platforms-and-health-check-over-grpc', async () => {
    const call = (method: string, body: string) =>
      runBuf(['curl', '--http2-prior-knowledge', '--protocol', 'grpc', '-d', body, `${address.url}/${method}`], process.cwd());
    const batches = (await call('catalogue.v1.CatalogueService/StreamPlatforms', '{"batchSize":2}')).trim().split(/\n(?=\{)/).map((b) => JSON.parse(b));
    expect(batches).toEqual([{ platforms: catalogue.slice(0, 2) }, { platforms: catalogue.slice(2) }]);
    expect(JSON.parse(await call('grpc.health.v1.Health/Check', '{}'))).toEqual({ status: 'SERVING' });
  });

  it('serves-reflection-v1alpha-for-older-clients', async () => {
    const reflection = createClient(ServerReflectionV1alpha, createGrpcTransport({ baseUrl: address.url }));
    const names = [];
    for await (const response of reflection.serverReflectionInfo(listServices())) {
      if (response.messageResponse.case === 'listServicesResponse') names.push(...response.messageResponse.value.service.map((s) => s.name));
    }
    expect(names).toEqual(expect.arrayContaining(['catalogue.v1.CatalogueService', 'grpc.health.v1.Health', 'grpc.reflection.v1alpha.ServerReflection']));
  });
});

describe('grpc server close', () => {
  it('lets-an-in-flight-call-finish-then-refuses-new-calls', async () => {
    const entered = Promise.withResolvers<void>();
    const release = Promise.withResolvers<void>();
    const events: string[] = [];
    const server = createGrpcServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      routes: (router) =>
        router.service(CatalogueService, {
          async getAllPlatforms() {
            entered.resolve();
            await release.promise;
            events.push('handler finished');
            return { platforms: catalogue };
          },
        }),
    });
    const client = createClient(CatalogueService, createGrpcTransport({ baseUrl: (await server.listen()).url }));
    const call = client.getAllPlatforms({});
    await entered.promise;
    const closed = server.close().then(() => events.push('server closed'));
    expect(server.health.getStatus('')).toBe(ServingStatus.NOT_SERVING);
    release.resolve();
    expect((await call).platforms).toHaveLength(3);
    await closed;
    expect(events).toEqual(['handler finished', 'server closed']);
    const refused = await client.getAllPlatforms({}).catch((e: unknown) => ConnectError.from(e));
    expect(refused).toMatchObject({ code: Code.Unavailable });
  });

  it('cancels-calls-still-running-at-the-deadline', async () => {
    const entered = Promise.withResolvers<void>();
    let sawAbort = false;
    const server = createGrpcServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      shutdownTimeoutMs: 50,
      routes: (router) =>
        router.service(CatalogueService, {
          async getAllPlatforms(_request, context) {
            entered.resolve();
            await new Promise((resolve) => context.signal.addEventListener('abort', () => resolve((sawAbort = true))));
            return { platforms: [] };
          },
        }),
    });
    const client = createClient(CatalogueService, createGrpcTransport({ baseUrl: (await server.listen()).url }));
    const call = client.getAllPlatforms({}).catch((e: unknown) => e);
    await entered.promise;
    await server.close();
    expect(sawAbort).toBe(true);
    expect(await call).toBeInstanceOf(ConnectError);
  });

  it('ends-health-watch-streams-so-close-does-not-wait-for-them', async () => {
    const server = createGrpcServer({ port: 0, host: '127.0.0.1', logger, routes: () => {}, shutdownTimeoutMs: 60_000 });
    const health = createClient(Health, createGrpcTransport({ baseUrl: (await server.listen()).url }));
    const seen: ServingStatus[] = [];
    for await (const response of health.watch({ service: '' })) {
      seen.push(response.status);
      if (seen.length === 1) void server.close();
    }
    await server.close();
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it('closes-at-the-deadline-even-when-a-peer-never-closes-its-connection', async () => {
    const server = createGrpcServer({ port: 0, host: '127.0.0.1', logger, routes: () => {}, shutdownTimeoutMs: 50 });
    const { port } = await server.listen();
    // A peer that opens HTTP/2 and then neither answers GOAWAY nor closes its side (a vanished host).
    const peer = connect(port, '127.0.0.1');
    peer.on('error', () => {});
    await new Promise((resolve) => peer.once('connect', resolve));
    peer.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Without the socket-level cut, close() never resolved here.
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise((resolve) => (timer = setTimeout(resolve, 10_000, 'still waiting')));
    expect(await Promise.race([server.close().then(() => 'closed'), hang])).toBe('closed');
    clearTimeout(timer);
    peer.destroy();
  });

  it('rejects-listen-on-a-port-in-use', async () => {
    const first = createGrpcServer({ port: 0, host: '127.0.0.1', logger, routes: () => {} });
    const { port } = await first.listen();
    const second = createGrpcServer({ port, host: '127.0.0.1', logger, routes: () => {} });
    await expect(second.listen()).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await Promise.all([first.close(), second.close()]);
  });

  it('rejects-invalid-options-at-construction', () => {
    expect(() => createGrpcServer({ port: 70_000, logger, routes: () => {} })).toThrow('cannot create gRPC server: port must be an integer from 0 to 65535, got 70000');
    expect(() => createGrpcServer({ port: 0, logger, routes: () => {}, shutdownTimeoutMs: 0 })).toThrow(/shutdownTimeoutMs must be a positive integer/);
    expect(() => createGrpcServer({ port: 0, logger, routes: () => {}, readMaxBytes: 0 })).toThrow('readMaxBytes must be an integer from 1 to 4294967295, got 0');
    expect(() => createGrpcServer({ port: 0, logger, routes: () => {}, readMaxBytes: 2 ** 32 })).toThrow(/readMaxBytes must be an integer/);
  });
});
