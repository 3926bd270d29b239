import http2 from 'node:http2';
import { CatalogueService } from '../generated/fixtures/proto/catalogue/v1/catalogue_pb.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../logging/index.ts';
import { createGrpcServer, type GrpcServer } from './grpc-server.ts';

const logger = createLogger({ name: 'caller-faults-test', level: 'silent' });
// Field number 0 is illegal: no protobuf message decodes from these bytes.
const malformed = new Uint8Array([0x00, 0x01]);

const envelope = (flags: number, data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(5 + data.byteLength);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, data.byteLength);
  out.set(data, 5);
  return out;
};

interface Answer {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly trailers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
}

describe('a request message that does not decode', () => {
  let server: GrpcServer;
  let session: http2.ClientHttp2Session;

  beforeAll(async () => {
    server = createGrpcServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      routes: (router) =>
        router.service(CatalogueService, {
          getAllPlatforms: async () => ({ platforms: [] }),
          async *streamPlatforms() {
            yield { platforms: [] };
          },
        }),
    });
    session = http2.connect((await server.listen()).url);
  });
  afterAll(async () => {
    session?.close();
    await server?.close();
  });

  function call(method: string, contentType: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': `/catalogue.v1.CatalogueService/${method}`, 'content-type': contentType, ...headers });
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on('response', (received) => (responseHeaders = received));
      stream.on('trailers', (received) => (trailers = received));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, trailers, body: Buffer.concat(chunks) }));
      stream.on('error', reject);
      stream.end(body);
    });
  }

  it('answers-400-invalid-argument-over-connect-unary-not-500', async () => {
    const answer = await call('GetAllPlatforms', 'application/proto', malformed);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body.toString())).toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/^parse binary: /) });
  });

  it('answers-grpc-status-3-over-grpc', async () => {
    const answer = await call('GetAllPlatforms', 'application/grpc', envelope(0, malformed), { te: 'trailers' });
    expect(answer.status).toBe(200);
    expect(answer.trailers['grpc-status'] ?? answer.headers['grpc-status']).toBe('3');
  });

  it('answers-grpc-status-3-over-grpc-web', async () => {
    const answer = await call('StreamPlatforms', 'application/grpc-web+proto', envelope(0, malformed));
    const trailer = answer.body.subarray(5).toString();
    expect(answer.body[0]).toBe(0x80);
    expect(trailer).toMatch(/grpc-status: ?3\r\n/);
  });

  it('ends-a-connect-stream-with-invalid-argument', async () => {
    const answer = await call('StreamPlatforms', 'application/connect+proto', envelope(0, malformed));
    expect(answer.status).toBe(200);
    expect(answer.body[0]).toBe(0x02);
    expect(JSON.parse(answer.body.subarray(5).toString())).toMatchObject({ error: { code: 'invalid_argument' } });
  });

  it('leaves-other-failures-alone', async () => {
    const answer = await call('GetAllPlatforms', 'application/json', new TextEncoder().encode('not json'));
    expect(answer.status).toBe(400);
    const ok = await call('GetAllPlatforms', 'application/proto', new Uint8Array());
    expect(ok.status).toBe(200);
  });
});
