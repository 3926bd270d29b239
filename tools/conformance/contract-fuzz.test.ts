/**
 * Property-based fuzzing from the OpenAPI contracts (issue 13): for every operation of every
 * document in contracts/openapi/, valid requests built from its schemas and mutated ones
 * (parameters, body types, ranges, sizes, Unicode, media types, codings, methods, path shapes,
 * queries, headers) go to the real services (SQLite files). Properties: no 5xx; every answer is
 * declared by the contract (tools/conformance/check-exchange.ts); a request that was refused, or
 * was a GET, HEAD or OPTIONS, left both databases exactly as they were.
 *
 * Seed: FUZZ_SEED, else fixed under CI, else random (printed, so a failure can be replayed).
 * FUZZ_RUNS scales the number of cases (default 1).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { send } from '@platform/runtime/http/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService as startCommandsService } from '../../commands-service/src/testing/service-fixture.ts';
import { startTestService as startPlatformService } from '../../platform-service/src/testing/service-fixture.ts';
import { checkExchange } from './check-exchange.ts';
import { loadContracts } from './contract.ts';
import { databaseState } from './fuzz/database-state.ts';
import type { DatabaseState } from './fuzz/database-state.ts';
import { operationsOf } from './fuzz/operations.ts';
import { mutatedRequests, validRequests } from './fuzz/requests.ts';
import type { FuzzRequest } from './fuzz/requests.ts';

const seed = Number(process.env.FUZZ_SEED ?? (process.env.CI ? 20_261_213 : Math.floor(Math.random() * 2 ** 31)));
const scale = Number(process.env.FUZZ_RUNS ?? 1);
const runs = { valid: Math.max(1, Math.round(25 * scale)), mutated: Math.max(1, Math.round(80 * scale)) };
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

const contracts = await loadContracts();
const operations = [...contracts.values()].flatMap(operationsOf);
const tally = { valid: 0, mutated: 0, byStatus: new Map<number, number>() };

describe(`contract fuzzing (seed ${seed})`, () => {
  let folder: string;
  let database: DatabaseState;
  const baseUrl = new Map<string, string>();
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'contract-fuzz-'));
    const platformDb = join(folder, 'platform-service.sqlite');
    const commandsDb = join(folder, 'commands-service.sqlite');
    const platforms = await startPlatformService({ env: { DB_URL: platformDb, SEED_DATA: 'true' } });
    stops.push(() => platforms.stop());
    const commands = await startCommandsService({ env: { DB_URL: commandsDb, PLATFORM_SERVICE_GRPC_URL: platforms.grpcUrl } });
    stops.push(() => commands.stop());
    // Serving, and the start-up sync brought the seeded platforms over.
    for (let ready = false; !ready; ready = (await commands.readyz()).status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
    baseUrl.set('contracts/openapi/platform-service.yaml', platforms.restUrl);
    baseUrl.set('contracts/openapi/commands-service.yaml', commands.restUrl);
    database = databaseState([platformDb, commandsDb]);
  });

  afterAll(async () => {
    database?.close();
    for (const stop of stops.toReversed()) await stop();
    await rm(folder, { recursive: true, force: true });
    const statuses = [...tally.byStatus].toSorted(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
    console.info(`contract fuzz: ${tally.valid + tally.mutated} cases (${tally.valid} valid, ${tally.mutated} mutated) over ${operations.length} operations of ${contracts.size} contracts, seed ${seed}; answers ${statuses}`);
  });

  /** Sends the request and checks the three properties; throws what broke. */
  async function exercise(contractFile: string, request: FuzzRequest): Promise<void> {
    const contract = contracts.get(contractFile)!;
    const base = baseUrl.get(contractFile);
    if (base === undefined) throw new Error(`no service serves ${contractFile}`);
    const before = database.digest();
    const answer = await send(base, { method: request.method, path: request.target, headers: request.headers, ...(request.body === undefined ? {} : { body: request.body }) });
    tally.byStatus.set(answer.status, (tally.byStatus.get(answer.status) ?? 0) + 1);
    const query = request.target.indexOf('?');
    const seen = `${request.kind}: ${request.method} ${request.target.slice(0, 200)} ${JSON.stringify(request.headers).slice(0, 300)} ${request.body?.toString('utf8').slice(0, 300) ?? ''} → ${answer.status} ${answer.text.slice(0, 300)}`;
    if (answer.status >= 500) throw new Error(`5xx for ${seen}`);
    const problems = checkExchange(
      {
        contract: contractFile,
        by: 'service',
        method: request.method,
        path: query === -1 ? request.target : request.target.slice(0, query),
        query: query === -1 ? '' : request.target.slice(query + 1),
        status: answer.status,
        headers: answer.headers as Record<string, string | string[]>,
        body: answer.text,
        bodyBytes: Buffer.byteLength(answer.text),
      },
      contract,
    );
    if (problems.length > 0) throw new Error(`undeclared answer (${problems.join('; ')}) for ${seen}`);
    if ((answer.status >= 400 || safeMethods.has(request.method)) && database.digest() !== before) throw new Error(`left a trace in the database (${JSON.stringify(database.counts())}) for ${seen}`);
  }

  /** Runs the property; resolves with fast-check's report (counterexample, seed, path) on failure, 'held' otherwise. */
  async function check(contractFile: string, requests: Arbitrary<FuzzRequest>, numRuns: number, kind: 'valid' | 'mutated'): Promise<string> {
    const property = fc.asyncProperty(requests, async (request) => {
      tally[kind]++;
      await exercise(contractFile, request);
    });
    const details = await fc.check(property, { seed, numRuns });
    return details.failed ? (fc.defaultReportMessage(details) ?? 'failed') : 'held';
  }

  for (const operation of operations) {
    it(`${operation.contract.file} ${operation.id}: valid requests are answered as declared`, async () => {
      expect(await check(operation.contract.file, validRequests(operation), runs.valid, 'valid')).toBe('held');
    });
    it(`${operation.contract.file} ${operation.id}: mutated requests are refused as declared and leave no trace`, async () => {
      expect(await check(operation.contract.file, mutatedRequests(operation), runs.mutated, 'mutated')).toBe('held');
    });
  }
});
