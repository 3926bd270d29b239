import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http2 from 'node:http2';
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import type { DescMethodUnary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import type { Transport } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import { GetAllPlatformsRequestSchema, CatalogueService, StreamPlatformsRequestSchema } from '../generated/fixtures/proto/catalogue/v1/catalogue_pb.ts';
import type { GetAllPlatformsRequest } from '../generated/fixtures/proto/catalogue/v1/catalogue_pb.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { encodeGrpcMessage } from './grpc-message.ts';
import { createGrpcServer } from './grpc-server.ts';
import type { GrpcServer } from './grpc-server.ts';

const logger = createLogger({ name: 'node-handler-test', level: 'silent' });
/** Every kind of character the encodings treat differently: `=`, `,`, `%`, `:`, non-ASCII, a control. */
const message = 'batch_size must be >= 0 (got -1), 100% sure: «é» 😀\tend';
const platform = { id: 1, name: 'Dot Net', publisher: 'Microsoft', cost: 'Free' };

/** A stand-in whose calls fail with `message`: unary at once, streaming after one message. */
const failing = {
  getAllPlatforms(): never {
    throw new ConnectError(message, Code.InvalidArgument);
  },
  async *streamPlatforms(request: { batchSize: number }) {
    yield { platforms: [platform] };
    // Long enough (> 1 KiB) for a gRPC-Web trailer to be compressed when the client accepts gzip.
    throw new ConnectError(request.batchSize === 2 ? `${message} ${'x'.repeat(2000)}` : message, Code.InvalidArgument);
  },
};

const transports = (url: string): [string, Transport][] => [
  ['grpc', createGrpcTransport({ baseUrl: url })],
  ['grpc-web', createGrpcWebTransport({ baseUrl: url, httpVersion: '2' })],
  ['connect', createConnectTransport({ baseUrl: url, httpVersion: '2' })],
];

const rejection = (call: Promise<unknown>): Promise<ConnectError> =>
  call.then(
    () => Promise.reject(new Error('expected the call to fail')),
    (error: unknown) => ConnectError.from(error),
  );

/** grpc-js (the client of the issue) on bytes: no generated stubs needed. */
const same = (bytes: Buffer): Buffer => bytes;

function grpcJsUnary(client: grpc.Client, path: string, request: Uint8Array): Promise<grpc.ServiceError | Buffer> {
  return new Promise((resolve) => client.makeUnaryRequest(path, same, same, Buffer.from(request), (error, value) => resolve(error ?? (value as Buffer))));
}

function grpcJsStreamError(client: grpc.Client, path: string, request: Uint8Array): Promise<grpc.ServiceError> {
  return new Promise((resolve, reject) => {
    const call = client.makeServerStreamRequest(path, same, same, Buffer.from(request));
    call.on('data', () => {});
    call.on('error', resolve);
    call.on('end', () => reject(new Error('expected the stream to fail')));
  });
}

/** One raw HTTP/2 call: response headers, body bytes, trailers. */
async function rawCall(url: string, path: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array) {
  const session = http2.connect(url);
  try {
    const stream = session.request({ ':method': 'POST', ':path': path, ...headers });
    const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => {
      stream.once('trailers', resolve);
      stream.once('end', () => resolve({}));
    });
    const response = new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('response', resolve));
    stream.end(body);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { headers: await response, body: Buffer.concat(chunks), trailers: await trailers };
  } finally {
    session.close();
  }
}

const envelope = (flags: number, data: Uint8Array): Buffer => {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(data.byteLength, 1);
  return Buffer.concat([header, data]);
};

describe('grpc error messages', () => {
  let server: GrpcServer;
  let url: string;

  beforeAll(async () => {
    server = createGrpcServer({ port: 0, host: '127.0.0.1', logger, routes: (router) => router.service(CatalogueService, failing) });
    ({ url } = await server.listen());
  });
  afterAll(() => server.close());

  it('grpc-js-reads-the-message-as-written-in-unary-and-streaming-calls', async () => {
    const client = new grpc.Client(url.replace('http://', ''), grpc.credentials.createInsecure());
    try {
      const unary = await grpcJsUnary(client, '/catalogue.v1.CatalogueService/GetAllPlatforms', new Uint8Array(0));
      expect(unary).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: message });
      const stream = await grpcJsStreamError(client, '/catalogue.v1.CatalogueService/StreamPlatforms', new Uint8Array(0));
      expect(stream).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: message });
    } finally {
      client.close();
    }
  });

  it('connect-grpc-web-and-grpc-clients-read-the-message-as-written', async () => {
    for (const [protocol, transport] of transports(url)) {
      const client = createClient(CatalogueService, transport);
      const unary = await rejection(client.getAllPlatforms({}));
      expect({ protocol, code: unary.code, message: unary.rawMessage }).toEqual({ protocol, code: Code.InvalidArgument, message });
      const stream = await rejection((async () => {
        for await (const _ of client.streamPlatforms({ batchSize: 1 }));
      })());
      expect({ protocol, code: stream.code, message: stream.rawMessage }).toEqual({ protocol, code: Code.InvalidArgument, message });
    }
  });

  it('puts-the-spec-encoding-on-the-wire-for-grpc-and-grpc-web', async () => {
    const encoded = 'batch_size must be >= 0 (got -1), 100%25 sure: %C2%AB%C3%A9%C2%BB %F0%9F%98%80%09end';
    expect(encodeGrpcMessage(message)).toBe(encoded);
    const request = envelope(0, toBinary(StreamPlatformsRequestSchema, create(StreamPlatformsRequestSchema, { batchSize: 1 })));

    const grpcCall = await rawCall(url, '/catalogue.v1.CatalogueService/StreamPlatforms', { 'content-type': 'application/grpc' }, request);
    expect(grpcCall.trailers).toMatchObject({ 'grpc-status': '3', 'grpc-message': encoded });

    const webCall = await rawCall(url, '/catalogue.v1.CatalogueService/StreamPlatforms', { 'content-type': 'application/grpc-web+proto' }, request);
    expect(webCall.body.toString('latin1')).toContain(`grpc-message: ${encoded}\r\n`);
  });

  it('re-encodes-a-grpc-web-trailer-the-server-compressed-and-sends-it-uncompressed', async () => {
    const request = envelope(0, toBinary(StreamPlatformsRequestSchema, create(StreamPlatformsRequestSchema, { batchSize: 2 })));
    const headers = { 'content-type': 'application/grpc-web+proto', 'grpc-accept-encoding': 'gzip' };
    const call = await rawCall(url, '/catalogue.v1.CatalogueService/StreamPlatforms', headers, request);
    expect(call.headers['grpc-encoding']).toBe('gzip');
    const messageLength = call.body.readUInt32BE(1);
    const trailer = call.body.subarray(5 + messageLength);
    expect(trailer.readUInt8(0)).toBe(0x80);
    expect(trailer.subarray(5).toString('latin1')).toContain(`grpc-message: ${encodeGrpcMessage(message)} xxx`);

    const client = createClient(CatalogueService, createGrpcWebTransport({ baseUrl: url, httpVersion: '2' }));
    const error = await rejection((async () => {
      for await (const _ of client.streamPlatforms({ batchSize: 2 }));
    })());
    expect(error.rawMessage).toBe(`${message} ${'x'.repeat(2000)}`);
  });
});

describe('grpc unknown methods', () => {
  let server: GrpcServer;
  let url: string;
  // A method platform-service does not have, and a service the server does not serve.
  const nope = { ...CatalogueService.method.getAllPlatforms, name: 'Nope' } as DescMethodUnary;
  const otherService = { ...CatalogueService.method.getAllPlatforms, parent: { ...CatalogueService, typeName: 'nope.v1.NopeService' } } as DescMethodUnary;
  const noMethod = 'cannot call catalogue.v1.CatalogueService/Nope: catalogue.v1.CatalogueService has no method Nope';
  const noService = 'cannot call nope.v1.NopeService/GetAllPlatforms: unknown service nope.v1.NopeService';

  beforeAll(async () => {
    server = createGrpcServer({ port: 0, host: '127.0.0.1', logger, routes: (router) => router.service(CatalogueService, failing) });
    ({ url } = await server.listen());
  });
  afterAll(() => server.close());

  it('answers-grpc-js-unimplemented-naming-the-method-or-the-service', async () => {
    const client = new grpc.Client(url.replace('http://', ''), grpc.credentials.createInsecure());
    try {
      expect(await grpcJsUnary(client, '/catalogue.v1.CatalogueService/Nope', new Uint8Array(0))).toMatchObject({ code: grpc.status.UNIMPLEMENTED, details: noMethod });
      expect(await grpcJsUnary(client, '/nope.v1.NopeService/GetAllPlatforms', new Uint8Array(0))).toMatchObject({ code: grpc.status.UNIMPLEMENTED, details: noService });
    } finally {
      client.close();
    }
  });

  it('answers-each-protocol-unimplemented-as-it-defines-it-for-unary-and-streaming-calls', async () => {
    for (const [protocol, transport] of transports(url)) {
      for (const [method, text] of [[nope, noMethod], [otherService, noService]] as const) {
        const unary = await rejection(transport.unary(method, undefined, undefined, undefined, {}));
        expect({ protocol, code: unary.code, message: unary.rawMessage }).toEqual({ protocol, code: Code.Unimplemented, message: text });
        const streamingMethod = { ...method, methodKind: 'server_streaming' } as unknown as Parameters<Transport['stream']>[0];
        const stream = await rejection((async () => {
          const response = await transport.stream(streamingMethod, undefined, undefined, undefined, (async function* () {
            yield {};
          })());
          for await (const _ of response.message);
        })());
        expect({ protocol, code: stream.code, message: stream.rawMessage }).toEqual({ protocol, code: Code.Unimplemented, message: text });
      }
    }
  });

  it('answers-connect-unary-with-http-501-and-the-error-as-json', async () => {
    const call = await rawCall(url, '/catalogue.v1.CatalogueService/Nope', { 'content-type': 'application/json' }, Buffer.from('{}'));
    expect(call.headers[':status']).toBe(501);
    expect(JSON.parse(call.body.toString('utf8'))).toEqual({ code: 'unimplemented', message: noMethod });
  });

  it('answers-a-request-in-no-rpc-protocol-with-a-plain-404', async () => {
    const call = await rawCall(url, '/index.html', { 'content-type': 'text/plain' }, Buffer.from('hello'));
    expect(call.headers[':status']).toBe(404);
  });
});

describe('grpc receive limit', () => {
  const fixture = fileURLToPath(new URL('./grpc-server.fixture.ts', import.meta.url));
  const mb = 1024 * 1024;
  let child: ChildProcess;
  let url: string;

  const memory = (): Promise<{ rss: number; maxRss: number }> =>
    new Promise((resolve) => {
      child.once('message', (value) => resolve(value as { rss: number; maxRss: number }));
      child.send('memory');
    });


  beforeAll(async () => {
    child = spawn(process.execPath, [fixture], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    url = await new Promise<string>((resolve, reject) => {
      child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim()));
      child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
  });
  afterAll(() => {
    child.disconnect();
    child.kill();
  });

  it('answers-resource-exhausted-past-4-mib-for-every-client-without-buffering-the-request', async () => {
    const grpcJs = new grpc.Client(url.replace('http://', ''), grpc.credentials.createInsecure());
    // Node's HTTP/2 client counts the bytes it queues to send against maxSessionMemory (10 MB by
    // default) and resets its own stream past it; grpc-js raises the limit the same way.
    const nodeOptions = { maxSessionMemory: 1024 };
    const clients = {
      'grpc-js': async (request: GetAllPlatformsRequest): Promise<string> => {
        const answer = await grpcJsUnary(grpcJs, '/catalogue.v1.CatalogueService/GetAllPlatforms', toBinary(GetAllPlatformsRequestSchema, request));
        if (Buffer.isBuffer(answer)) return 'ok';
        return answer.code === grpc.status.RESOURCE_EXHAUSTED ? 'resource_exhausted' : answer.details;
      },
      'grpc-web': connectOutcome(createGrpcWebTransport({ baseUrl: url, httpVersion: '2', nodeOptions })),
      connect: connectOutcome(createConnectTransport({ baseUrl: url, httpVersion: '2', useBinaryFormat: true, nodeOptions })),
    };
    const send = async (size: number, expected: string): Promise<string[]> => {
      const request = padded(size);
      expect(toBinary(GetAllPlatformsRequestSchema, request).byteLength).toBeGreaterThan(size);
      const seen = [];
      for (const [client, call] of Object.entries(clients)) seen.push(`${client} ${size} B: ${await call(request)}`);
      expect(seen).toEqual(Object.keys(clients).map((client) => `${client} ${size} B: ${expected}`));
      return seen;
    };
    try {
      const start = await memory();
      const accepted = await send(4_000_000, 'ok');
      const afterAccepted = await memory();
      const refused = [...(await send(16 * mb, 'resource_exhausted')), ...(await send(64 * mb, 'resource_exhausted'))];
      const end = await memory();
      const inMb = (bytes: number): string => `${(bytes / mb).toFixed(1)} MiB`;
      console.log(
        [...accepted, ...refused].join('\n') +
          `\ngRPC server RSS (peak): ${inMb(start.rss)} (${inMb(start.maxRss)}) at start, ` +
          `${inMb(afterAccepted.rss)} (${inMb(afterAccepted.maxRss)}) after the 4 MB requests, ${inMb(end.rss)} (${inMb(end.maxRss)}) after the 16 and 64 MiB ones`,
      );
      // Reading one 64 MiB request whole would raise the peak by at least 64 MiB.
      expect(end.maxRss - afterAccepted.maxRss).toBeLessThan(32 * mb);
    } finally {
      grpcJs.close();
    }
  }, 120_000);
});

/** A GetAllPlatforms request (no fields) padded to just over `bytes` with an unknown field. */
function padded(bytes: number): GetAllPlatformsRequest {
  const request = create(GetAllPlatformsRequestSchema);
  request.$unknown = [{ no: 15, wireType: WireType.LengthDelimited, data: new BinaryWriter().bytes(new Uint8Array(bytes)).finish() }];
  return request;
}

function connectOutcome(transport: Transport): (request: GetAllPlatformsRequest) => Promise<string> {
  const client = createClient(CatalogueService, transport);
  return (request) =>
    client.getAllPlatforms(request).then(
      () => 'ok',
      (error: unknown) => {
        const failure = ConnectError.from(error);
        return failure.code === Code.ResourceExhausted ? 'resource_exhausted' : failure.message;
      },
    );
}
