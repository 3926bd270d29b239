/**
 * Each part's Dockerfile, proved without Docker: its rules (Node 24 slim, production-only install
 * without scripts, non-root, exec-form CMD), every COPY source present in the build context, and
 * its final stage performed on this machine (fresh context copy, `npm ci --omit=dev`, gen/ and the
 * compiled part from the build) after which the part starts in production mode, answers /healthz and exits 0 on SIGTERM.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { Health, HealthCheckResponse_ServingStatus } from '@platform/gen/proto/grpc/health/v1/health_pb.ts';
import { withTemporaryPostgresDatabase } from '@platform/runtime/db/testing';
import { execForm, parseCopy, splitFlags } from './dockerfile.ts';
import type { Dockerfile, Stage } from './dockerfile.ts';
import { assembleStage, contextFiles, generateInContextCopy } from './image-build.ts';
import type { AssembledImage } from './image-build.ts';
import { imageParts, partDockerfile, repositoryRoot } from './services.ts';
import { productionEnvironment, productionNodeFlags } from '../build/build-part.ts';

const parts = ['platform-service', 'commands-service', 'gateway'] as const;
type Part = (typeof parts)[number];

/** Every part built from the Dockerfile (added services too); the images below are performed for the platform's three. */
const builtParts = (await imageParts()).map(({ part }) => part);
const dockerfiles: Record<string, Dockerfile> = Object.fromEntries(await Promise.all(builtParts.map(async (part) => [part, await partDockerfile(part)] as const)));
const context = await contextFiles(repositoryRoot);

const dockerfileOf = (part: string): Dockerfile => dockerfiles[part] ?? { stages: [] };
const finalStage = (part: string): Stage => dockerfileOf(part).stages.at(-1) as Stage;
const buildStage = (part: string): Stage => dockerfileOf(part).stages[0] as Stage;
const runs = (stage: Stage): string[] => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => splitFlags(i.args).rest);
/** A stage as its instructions read, without line numbers. */
const shape = (stage: Stage) => [stage.name, stage.base, ...stage.instructions.map((i) => `${i.keyword} ${i.args}`)];
const last = (stage: Stage, keyword: string): string | undefined => stage.instructions.findLast((i) => i.keyword === keyword)?.args;

describe('the one Dockerfile', () => {
  it('is built for every workspace with a src/main.ts, each named by PART and given its ports', async () => {
    const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
    const runnable = (await Promise.all(manifest.workspaces.map(async (workspace) => ((await stat(join(repositoryRoot, workspace, 'src', 'main.ts')).catch(() => undefined)) ? workspace : undefined)))).filter((workspace) => workspace !== undefined);
    const built = await imageParts();
    expect(built.map(({ part }) => part).toSorted()).toEqual(runnable.toSorted());
    for (const { part, args } of built) expect(args).toEqual({ PART: part, PORTS: expect.stringMatching(/^\d+( \d+)*$/) });
  });

  it('gives npm ci the package.json of every workspace', async () => {
    const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
    const copied = finalStage('gateway')
      .instructions.filter((i) => i.keyword === 'COPY')
      .map(parseCopy)
      .flatMap((copy) => copy.sources);
    expect(manifest.workspaces.filter((workspace) => !copied.includes(`${workspace}/package.json`))).toEqual([]);
  });
});

describe.each(builtParts)('%s Dockerfile', (part) => {
  it('builds on node:24-slim pinned by tag, in two stages', () => {
    expect(dockerfileOf(part).stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of dockerfileOf(part).stages) expect(stage.base).toMatch(/^node:24(\.\d+){0,2}-slim(@sha256:[0-9a-f]{64})?$/);
  });

  it('shares its build stage with the other Dockerfiles', () => {
    expect(shape(buildStage(part))).toEqual(shape(buildStage('platform-service')));
  });

  it('generates gen/ in the build stage with the dev tooling (npm ci runs the generate postinstall)', async () => {
    const commands = runs(buildStage(part)).join('\n');
    expect(commands).toMatch(/\bnpm ci\b/);
    expect(commands).not.toMatch(/--ignore-scripts/);
    expect(commands).toMatch(/test -f gen\/package.json/);
    const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.postinstall).toBe('npm run generate');
  });

  it('installs only production dependencies of the workspaces it needs, without scripts', () => {
    const install = runs(finalStage(part)).find((command) => /\bnpm ci\b/.test(command)) ?? '';
    expect(install).toMatch(/--omit=dev/);
    expect(install).toMatch(/--ignore-scripts/);
    expect([...install.matchAll(/-w (\S+)/g)].map((match) => match[1])).toEqual(['runtime', part]);
  });

  it('runs as node in production, exec-form node dist/main.js (compiled in the build stage) from the part folder', () => {
    const stage = finalStage(part);
    expect(last(stage, 'ENV')).toMatch(/NODE_ENV=production/);
    for (const [name, value] of Object.entries(productionEnvironment)) expect(last(stage, 'ENV')?.split(/\s+/)).toContain(`${name}=${value}`);
    expect(last(stage, 'USER')).toBe('node');
    expect(last(stage, 'WORKDIR')).toBe(`/app/${part}`);
    expect(execForm(last(stage, 'CMD') ?? '')).toEqual(['node', ...productionNodeFlags, 'dist/main.js']);
    expect(runs(buildStage(part)).join('\n')).toMatch(/\bnpm run build:parts\b/);
    expect(stage.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy)).toContainEqual({ from: buildStage(part).name, sources: [`/app/${part}/dist`], destination: `${part}/dist` });
  });

  it('checks its own health on /healthz with node (no curl in the slim image)', () => {
    const healthcheck = splitFlags(last(finalStage(part), 'HEALTHCHECK') ?? '').rest;
    expect(healthcheck.startsWith('CMD ')).toBe(true);
    const command = execForm(healthcheck.slice('CMD '.length));
    expect(command?.slice(0, 2)).toEqual(['node', '-e']);
    expect(command?.[2]).toContain('/healthz');
  });

  it('copies only paths that exist in the build context', () => {
    const sources = dockerfileOf(part).stages
      .flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy))
      .filter((copy) => copy.from === undefined)
      .flatMap((copy) => copy.sources)
      .filter((source) => source !== '.');
    const missing = sources.filter((source) => !context.some((file) => file === source.replace(/\/+$/, '') || file.startsWith(`${source.replace(/\/+$/, '')}/`)));
    expect(missing).toEqual([]);
  });
});

describe('compose.yaml', () => {
  it('runs RabbitMQ with management, SQL Server and the three parts, with no password in the file', async () => {
    const text = await readFile(join(repositoryRoot, 'compose.yaml'), 'utf8');
    const compose = parse(text) as { services: Record<string, { image?: string; build?: { dockerfile: string }; healthcheck?: unknown; environment?: Record<string, string> }> };
    expect(compose.services.rabbitmq?.image).toBe('rabbitmq:3-management');
    expect(compose.services.mssql?.image).toBe('mcr.microsoft.com/mssql/server:2022-latest');
    expect(compose.services.mssql?.environment?.MSSQL_SA_PASSWORD).toMatch(/^\$\{MSSQL_SA_PASSWORD:\?/);
    // The services run in production mode: the issuer settings come from .env, required.
    for (const part of ['platform-service', 'commands-service']) {
      for (const variable of ['AUTH_JWKS_URL', 'AUTH_ISSUER', 'AUTH_AUDIENCE']) expect(compose.services[part]?.environment?.[variable]).toMatch(new RegExp(`^\\$\\{${variable}:\\?`));
    }
    for (const part of parts) expect(compose.services[part]?.build?.dockerfile).toBe('Dockerfile');
    expect(Object.values(compose.services).filter((service) => service.image?.includes(':') && !service.build).every((service) => service.healthcheck !== undefined)).toBe(true);
  });
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
}

function start(image: AssembledImage, env: Record<string, string>, args = image.cmd ?? []): Started {
  const [command = 'node', ...rest] = args;
  const child = spawn(command, rest, { cwd: image.workdir, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...image.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function healthz(url: string, started: Started, deadlineMs = 20_000): Promise<number> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`exited with ${started.child.exitCode} before /healthz answered:\n${started.output()}`);
    const status = await fetch(`${url}/healthz`).then(
      (response) => response.status,
      () => undefined,
    );
    if (status !== undefined) return status;
    if (Date.now() > deadline) throw new Error(`/healthz did not answer within ${deadlineMs} ms:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('images performed without Docker', () => {
  let scratch: string;
  const images = new Map<Part, AssembledImage>();

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'images-'));
    // The build stage is the same in every Dockerfile (checked above): its generation runs once,
    // in a fresh copy of the build context; the three final stages install at the same time (npm's
    // cache is warm, --prefer-offline avoids the registry) and take gen/ from it at COPY --from.
    const build = generateInContextCopy(repositoryRoot, context, join(scratch, 'build'));
    build.catch(() => undefined); // awaited below; a failure must not surface as an unhandled rejection first
    await Promise.all([
      build,
      ...parts.map(async (part) => {
        const image = await assembleStage({
          repository: repositoryRoot,
          stage: finalStage(part),
          buildStage: buildStage(part).name ?? '',
          context,
          root: join(scratch, part),
          npmCiArgs: ['--prefer-offline'],
          buildStageRoot: build,
        });
        images.set(part, image);
      }),
    ]);
  }, 300_000);

  afterAll(async () => {
    // About 1.5 GB of installed packages: give the removal time, and retry on busy files.
    if (scratch) await rm(scratch, { recursive: true, force: true, maxRetries: 5 });
  }, 180_000);

  const image = (part: Part): AssembledImage => {
    const found = images.get(part);
    if (!found) throw new Error(`${part} image was not assembled`);
    return found;
  };

  it.each(parts)('%s image has no dev tooling (no typescript, vitest, generators)', async (part) => {
    const nodeModules = join(image(part).root, 'app', 'node_modules');
    const present = async (name: string) => (await stat(join(nodeModules, name)).catch(() => undefined)) !== undefined;
    expect(await present('@platform/runtime')).toBe(true);
    expect(await present('@platform/gen/package.json')).toBe(true);
    const tools = ['vitest', '@asyncapi/generator', 'openapi-typescript', '@bufbuild/protoc-gen-es', 'oxlint'];
    const installed = await Promise.all(tools.map(async (tool) => ((await present(tool)) ? tool : undefined)));
    expect(installed.filter((tool) => tool !== undefined)).toEqual([]);
  });

  // Production refuses to start the services without an issuer; none is contacted here (no write is made).
  const issuerSettings = { AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json', AUTH_ISSUER: 'https://login.example.com/', AUTH_AUDIENCE: 'contract-first-platform' };

  it('all three parts start in production mode, answer /healthz and stop on SIGTERM', async () => {
    const [restPort, grpcPort, commandsPort, gatewayPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const dataDir = join(scratch, 'data');
    const started: Record<Part, Started> = {
      'platform-service': start(image('platform-service'), {
        HTTP_PORT: String(restPort),
        GRPC_PORT: String(grpcPort),
        DB_DRIVER: 'sqlite',
        DB_URL: join(dataDir, 'platform-service.sqlite'),
        COMMANDS_SERVICE_URL: `http://127.0.0.1:${commandsPort}`,
        ...issuerSettings,
      }),
      'commands-service': start(image('commands-service'), {
        HTTP_PORT: String(commandsPort),
        DB_DRIVER: 'sqlite',
        DB_URL: join(dataDir, 'commands-service.sqlite'),
        PLATFORM_SERVICE_GRPC_URL: `http://127.0.0.1:${grpcPort}`,
        ...issuerSettings,
      }),
      gateway: start(image('gateway'), {
        HTTP_PORT: String(gatewayPort),
        PLATFORM_SERVICE_URL: `http://127.0.0.1:${restPort}`,
        COMMANDS_SERVICE_URL: `http://127.0.0.1:${commandsPort}`,
      }),
    };
    try {
      const statuses = await Promise.all([
        healthz(`http://127.0.0.1:${restPort}`, started['platform-service']),
        healthz(`http://127.0.0.1:${commandsPort}`, started['commands-service']),
        healthz(`http://127.0.0.1:${gatewayPort}`, started.gateway),
      ]);
      expect(statuses).toEqual([200, 200, 200]);
      expect((await fetch(`http://127.0.0.1:${gatewayPort}/api/platforms`)).status).toBe(200);
      // What the Kubernetes probes call: /readyz on every HTTP port (ready or not, but served),
      // and grpc.health.v1 (overall service "") on platform-service's gRPC port.
      const readiness = await Promise.all([restPort, commandsPort, gatewayPort].map(async (port) => (await fetch(`http://127.0.0.1:${port}/readyz`)).status));
      expect(readiness.every((status) => status === 200 || status === 503)).toBe(true);
      const health = createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${grpcPort}` }));
      expect((await health.check({ service: '' })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      for (const { child } of Object.values(started)) child.kill('SIGTERM');
    }
    const codes = await Promise.all(Object.values(started).map(({ exited }) => exited));
    // The logs ride along so a failure shows why a part did not exit cleanly.
    expect({ codes, logs: Object.values(started).map(({ output }) => output().slice(-2000)) }).toMatchObject({ codes: [0, 0, 0] });
  }, 60_000);

  it.each(['platform-service', 'commands-service'] as const)('%s image migrates an empty PostgreSQL database with node src/migrate.ts', async (part) => {
    await withTemporaryPostgresDatabase(
      async (database) => {
        const run = start(image(part), { DB_DRIVER: 'postgresql', DB_URL: database.url, ...issuerSettings }, ['node', 'src/migrate.ts']);
        const code = await run.exited;
        expect({ code, logs: run.output() }).toMatchObject({ code: 0, logs: expect.stringMatching(/applied \d+ migration/) });
      },
      { prefix: 'deploy_image' },
    );
  }, 60_000);
});
