/**
 * The ahead-of-time build of a part (build-part.ts): it builds, the built part starts as production
 * runs it (NODE_ENV=production, `node <dist>/main.js`, with its broker) and answers, also through
 * the built gateway; and what a part loads only when configured stays out of the entry's static
 * imports. Builds go to a folder of this test's own, beside `dist/`, so a running part is untouched.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerUrl, deleteBrokerObjects, uniqueName } from '@platform/runtime/amqp/testing';
import { buildPart, partFolders, productionEnvironment, productionNodeFlags } from './build-part.ts';
import type { Built } from './build-part.ts';

const folder = `dist-test-${process.pid}`;
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const issuerSettings = { AUTH_JWKS_URL: 'https://login.example.com/.well-known/jwks.json', AUTH_ISSUER: 'https://login.example.com/', AUTH_AUDIENCE: 'contract-first-platform' };

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
}

function start(entry: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [...productionNodeFlags, entry], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  return { child, output: () => output };
}

async function stop(started: Started | undefined): Promise<number | null> {
  if (started === undefined || started.child.exitCode !== null) return started?.child.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
  started.child.kill('SIGTERM');
  return exited;
}

/** The answer to GET `url` once the part listens (polls until it does, or fails with its output when it exits). */
async function getWhenUp(url: string, started: Started): Promise<Response> {
  for (;;) {
    if (started.child.exitCode !== null) throw new Error(`exited with ${started.child.exitCode} before ${url} answered:\n${started.output()}`);
    const response = await fetch(url).catch(() => undefined);
    if (response !== undefined) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The packages (`node_modules/<name>/`) bundled into the files a build's entry imports statically, and into all its files. */
function packagesOf(built: Built): { readonly atStart: Set<string>; readonly all: Set<string> } {
  const { outputs } = built.metafile;
  const packages = (files: Iterable<string>): Set<string> =>
    new Set([...files].flatMap((file) => Object.keys(outputs[file]?.inputs ?? {}).map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1] ?? '')).filter((name) => name !== ''));
  const reached = new Set<string>();
  const visit = (file: string): void => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const imported of outputs[file]?.imports ?? []) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
  };
  visit(relative(repositoryRoot, built.entry));
  return { atStart: packages(reached), all: packages(Object.keys(outputs)) };
}

describe('a part built ahead of time', () => {
  let platform: Built;
  let gateway: Built;
  const exchange = uniqueName('build-test.platform.events');

  beforeAll(async () => {
    [platform, gateway] = await Promise.all([buildPart('platform-service', folder), buildPart('gateway', folder)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([platform, gateway].filter((built) => built !== undefined).map((built) => rm(dirname(built.entry), { recursive: true, force: true })));
    await deleteBrokerObjects({ exchanges: [exchange] });
  });

  it('starts in production with its broker, answers directly and through the built gateway, and stops with exit 0', async () => {
    const [httpPort, grpcPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
    let platformProcess: Started | undefined;
    let gatewayProcess: Started | undefined;
    try {
      platformProcess = start(platform.entry, { HTTP_PORT: String(httpPort), GRPC_PORT: String(grpcPort), HOST: '127.0.0.1', DB_DRIVER: 'sqlite', DB_URL: ':memory:', AMQP_URL: brokerUrl, AMQP_EXCHANGE: exchange, COMMANDS_SYNC_ENABLED: 'false', ...issuerSettings });
      const ready = await getWhenUp(`http://127.0.0.1:${httpPort}/readyz`, platformProcess);
      const readiness = (await ready.json()) as { checks: Record<string, { ok: boolean; detail: string }> };
      expect(readiness.checks.database?.ok).toBe(true);
      // The broker is reached through amqplib, which the built part loads only with its first connection.
      expect(readiness.checks.bus?.detail).not.toMatch(/disabled/);
      const direct = await fetch(`http://127.0.0.1:${httpPort}/api/platforms`);
      expect(direct.status).toBe(200);
      // Requests are still validated: a bad id is a 400 problem.
      const bad = await fetch(`http://127.0.0.1:${httpPort}/api/platforms/01`);
      expect([bad.status, bad.headers.get('content-type')]).toEqual([400, 'application/problem+json; charset=utf-8']);

      gatewayProcess = start(gateway.entry, { HTTP_PORT: String(gatewayPort), PLATFORM_SERVICE_URL: `http://127.0.0.1:${httpPort}`, COMMANDS_SERVICE_URL: 'http://127.0.0.1:9' });
      const proxied = await getWhenUp(`http://127.0.0.1:${gatewayPort}/api/platforms`, gatewayProcess);
      expect([proxied.status, await proxied.json()]).toEqual([200, await direct.json()]);
      // Swagger UI's files come from swagger-ui-dist in node_modules, next to the built gateway.
      expect((await fetch(`http://127.0.0.1:${gatewayPort}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    } finally {
      const codes = [await stop(gatewayProcess), await stop(platformProcess)];
      expect(codes).toEqual([0, 0]);
    }
  }, 60_000);

  it('is what every part runs in production: its start script gives Node the production environment and flags', async () => {
    const parts = await partFolders();
    expect(parts).toEqual(expect.arrayContaining(['platform-service', 'commands-service', 'gateway']));
    for (const part of parts) {
      const manifest = JSON.parse(await readFile(join(repositoryRoot, part, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
      expect({ part, start: manifest.scripts?.start, build: manifest.scripts?.build }).toEqual({ part, start: `${Object.entries(productionEnvironment).map(([name, value]) => `${name}=${value} `).join('')}node ${productionNodeFlags.join(' ')} ../runtime/bin/start-part.js`, build: 'node ../tools/build/build-part.ts' });
    }
  });

  it('keeps the tracing SDK and the reference validator out of what the entry loads at start', () => {
    for (const built of [platform, gateway]) {
      const { atStart, all } = packagesOf(built);
      expect(atStart.has('express')).toBe(true);
      // Built, in a chunk of its own that the part imports only when OTEL_EXPORTER_OTLP_ENDPOINT is set.
      expect(all.has('@opentelemetry/otlp-exporter-base')).toBe(true);
      const lazy = ['@opentelemetry/otlp-exporter-base', '@opentelemetry/sdk-trace-node', '@opentelemetry/sdk-trace-base', 'express-openapi-validator'];
      expect(lazy.filter((name) => atStart.has(name))).toEqual([]);
    }
  });
});

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
