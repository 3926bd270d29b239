/**
 * Child process for the receive-limit test of node-handler.test.ts: a gRPC server on a free port
 * with a CatalogueService stand-in (the runtime's fixture) (argv[2]: readMaxBytes, default the server's). Prints its URL,
 * then answers each IPC message with its memory: `{ rss, maxRss }` in bytes (maxRss is the peak).
 */
import { CatalogueService } from '../generated/fixtures/proto/catalogue/v1/catalogue_pb.ts';
import { createLogger } from '../logging/index.ts';
import { createGrpcServer } from './grpc-server.ts';

const readMaxBytes = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
const server = createGrpcServer({
  port: 0,
  host: '127.0.0.1',
  logger: createLogger({ name: 'grpc-server-fixture', level: 'silent' }),
  ...(readMaxBytes === undefined ? {} : { readMaxBytes }),
  routes: (router) =>
    router.service(CatalogueService, {
      getAllPlatforms: () => ({ platforms: [] }),
      async *streamPlatforms() {},
    }),
});
const { url } = await server.listen();
process.on('message', () => process.send?.({ rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 }));
process.on('disconnect', () => void server.close());
process.stdout.write(`${url}\n`);
