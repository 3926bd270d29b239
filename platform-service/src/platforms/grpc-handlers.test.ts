import http2 from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import type { Client } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { PlatformService, StreamPlatformsRequestSchema } from '@platform/gen/proto/platforms/v1/platforms_pb.ts';
import { statementsOf } from '@platform/runtime/db';
import type { Orm } from '@platform/runtime/db';
import { createGrpcServer } from '@platform/runtime/grpc';
import type { GrpcServer } from '@platform/runtime/grpc';
import { createLogger } from '@platform/runtime/logging';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openDatabase } from '@platform/runtime/db';
import { platformServiceDatabase } from '../database.ts';
import { bufCurl } from '../testing/buf-curl.ts';
import { databaseTargets } from '../testing/databases.ts';
import { createPlatformGrpcHandlers, maxStreamBatchSize } from './grpc-handlers.ts';
import { Platform } from './platform-entity.ts';

const logger = createLogger({ name: 'grpc-handlers-test', level: 'silent' });
const publisherOf = (index: number): string => `Publisher ${index % 7} of the Cloud Native Computing Foundation`.padEnd(180, '.');
/** More than the largest batch, so the cap shows. */
const catalogueSize = maxStreamBatchSize + 200;

describe.each(databaseTargets)('PlatformService over Connect on $name', (target) => {
  let orm: Orm;
  let release: () => Promise<void>;
  let server: GrpcServer;
  let url: string;
  let client: Client<typeof PlatformService>;

  beforeAll(async () => {
    const database = await target.open();
    release = database.release;
    orm = await openDatabase({ ...database.config, ...platformServiceDatabase, logger });
    const rows = Array.from({ length: catalogueSize }, (_, index) => ({
      name: `Platform ${index + 1}`,
      // Long texts make the catalogue (about 1 MB) much larger than the transport's buffers.
      publisher: publisherOf(index),
      cost: index % 2 === 0 ? 'Free' : '$10/month',
      createdAt: new Date(),
    }));
    for (let start = 0; start < rows.length; start += 500) await orm.em.fork().insertMany(Platform, rows.slice(start, start + 500));
    server = createGrpcServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      routes: (router) => router.service(PlatformService, createPlatformGrpcHandlers({ orm, logger })),
    });
    url = (await server.listen()).url;
    client = createClient(PlatformService, createGrpcTransport({ baseUrl: url }));
  });
  afterAll(async () => {
    await server?.close();
    await orm?.close(true);
    await release?.();
  });

  async function batchesOf(request: { batchSize?: number; afterId?: number }): Promise<number[][]> {
    const batches: number[][] = [];
    for await (const response of client.streamPlatforms(request)) batches.push(response.platforms.map((platform) => platform.id));
    return batches;
  }

  it('get-all-platforms-returns-the-whole-catalogue-in-id-order', async () => {
    const { platforms } = await client.getAllPlatforms({});
    expect(platforms).toHaveLength(catalogueSize);
    expect(platforms[0]).toMatchObject({ id: 1, name: 'Platform 1', publisher: publisherOf(0), cost: 'Free' });
    expect(platforms.map((platform) => platform.id)).toEqual(Array.from({ length: catalogueSize }, (_, index) => index + 1));
  });

  it('stream-platforms-sends-the-catalogue-in-batches-of-the-requested-size', async () => {
    const batches = await batchesOf({ batchSize: 250 });
    expect(batches).toHaveLength(Math.ceil(catalogueSize / 250));
    expect(batches.every((batch) => batch.length <= 250)).toBe(true);
    expect(batches.flat()).toEqual(Array.from({ length: catalogueSize }, (_, index) => index + 1));
  });

  it('stream-platforms-uses-500-by-default-and-caps-large-batches', async () => {
    expect((await batchesOf({})).map((batch) => batch.length).slice(0, 2)).toEqual([500, 500]);
    expect((await batchesOf({ batchSize: 1_000_000 })).map((batch) => batch.length)).toEqual([maxStreamBatchSize, 200]);
  });

  it('stream-platforms-resumes-after-the-last-id-received', async () => {
    const batches = await batchesOf({ batchSize: 100, afterId: catalogueSize - 150 });
    expect(batches.map((batch) => batch.length)).toEqual([100, 50]);
    expect(batches[0]?.[0]).toBe(catalogueSize - 149);
  });

  it('stream-platforms-ends-at-once-past-the-last-id', async () => {
    expect(await batchesOf({ afterId: catalogueSize })).toEqual([]);
  });

  it('rejects-negative-batch-size-or-after-id-as-invalid-argument', async () => {
    await expect(batchesOf({ batchSize: -1 })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(batchesOf({ afterId: -5 })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it('serves-connect-protocol-clients-too', async () => {
    const connect = createClient(PlatformService, createConnectTransport({ baseUrl: url, httpVersion: '2' }));
    expect((await connect.getAllPlatforms({})).platforms).toHaveLength(catalogueSize);
  });

  it('answers-buf-curl-without-a-schema-through-reflection', async () => {
    const methods = (await bufCurl(['--http2-prior-knowledge', '--list-methods', url])).trim().split('\n');
    expect(methods).toEqual(expect.arrayContaining(['platforms.v1.PlatformService/GetAllPlatforms', 'platforms.v1.PlatformService/StreamPlatforms']));
    const unary = JSON.parse(await bufCurl(['--http2-prior-knowledge', '--protocol', 'grpc', `${url}/platforms.v1.PlatformService/GetAllPlatforms`])) as {
      platforms: unknown[];
    };
    expect(unary.platforms).toHaveLength(catalogueSize);
    const streamed = await bufCurl([
      '--http2-prior-knowledge',
      '--protocol',
      'grpc',
      '-d',
      JSON.stringify({ batchSize: 2, afterId: 10 }),
      `${url}/platforms.v1.PlatformService/StreamPlatforms`,
    ]);
    // buf curl prints one JSON document per streamed message.
    const first = JSON.parse(streamed.slice(0, streamed.indexOf('\n}\n') + 2)) as { platforms: { id: number }[] };
    expect(first.platforms.map((platform) => platform.id)).toEqual([11, 12]);
  });

  it('reads-the-database-one-batch-at-a-time-and-only-as-fast-as-the-client-takes-them', async () => {
    const reads: number[] = [];
    // Every read is one prepared statement: record how many rows each one brought.
    const statements = statementsOf(orm);
    const rows = statements.rows.bind(statements);
    const spying = Object.assign(statements, {
      rows: async <Row>(...args: Parameters<typeof rows>): Promise<Row[]> => {
        const read = await rows<Row>(...args);
        reads.push(read.length);
        return read;
      },
    });
    onTestFinished(() => void Object.assign(spying, { rows }));
    const spied = createGrpcServer({ port: 0, host: '127.0.0.1', logger, routes: (router) => router.service(PlatformService, createPlatformGrpcHandlers({ orm, logger })) });
    const spiedUrl = (await spied.listen()).url;
    // A raw HTTP/2 gRPC call whose reader stops after the first bytes: only flow control slows the server.
    const session = http2.connect(spiedUrl);
    try {
      const body = toBinary(StreamPlatformsRequestSchema, create(StreamPlatformsRequestSchema, { batchSize: 100 }));
      const frame = Buffer.alloc(5 + body.length);
      frame.writeUInt32BE(body.length, 1);
      frame.set(body, 5);
      const call = session.request({ ':method': 'POST', ':path': '/platforms.v1.PlatformService/StreamPlatforms', 'content-type': 'application/grpc', te: 'trailers' });
      call.end(frame);
      await new Promise((resolve) => call.once('data', resolve));
      call.pause();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const readsWhilePaused = reads.length;
      let bytes = 0;
      call.on('data', (chunk: Buffer) => (bytes += chunk.length));
      call.resume();
      await new Promise((resolve) => call.once('end', resolve));
      expect(reads.every((rows, index) => rows === (index < reads.length - 1 ? 100 : 0))).toBe(true);
      expect(reads.length).toBe(Math.ceil(catalogueSize / 100) + 1);
      expect(readsWhilePaused).toBeLessThan(reads.length / 2);
      // Only then did the rest of the catalogue travel.
      expect(bytes).toBeGreaterThan(0);
    } finally {
      session.close();
      await spied.close();
    }
  });
});

describe('PlatformService on a failing database', () => {
  it('reports-a-database-failure-as-unavailable-without-internals', async () => {
    const query = {
      select: () => query,
      where: () => query,
      orderBy: () => query,
      limit: () => query,
      execute: () => Promise.reject(new Error('relation "platforms" does not exist at 10.0.0.7')),
    };
    const broken = { em: { fork: () => ({ createQueryBuilder: () => query }) } } as unknown as Orm;
    const failing = createGrpcServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      routes: (router) => router.service(PlatformService, createPlatformGrpcHandlers({ orm: broken, logger })),
    });
    const failingClient = createClient(PlatformService, createGrpcTransport({ baseUrl: (await failing.listen()).url }));
    try {
      const error = await failingClient.getAllPlatforms({}).catch((thrown: unknown) => ConnectError.from(thrown));
      expect(error).toMatchObject({ code: Code.Unavailable });
      expect((error as ConnectError).rawMessage).not.toContain('10.0.0.7');
    } finally {
      await failing.close();
    }
  });
});
