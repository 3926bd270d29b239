/**
 * End-to-end: the platform started through the same entry point as `npm start`, once with the
 * in-process bus and once with the local RabbitMQ, used through the gateway as a person would:
 * generated REST clients, `buf curl` on gRPC, and headless chromium on the docs and on a page
 * calling the RPCs through the gateway.
 * Screenshots: test-artifacts/e2e/<mode>-*.png.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteBrokerObjects, localBrokerUrl, uniqueBrokerNames } from './broker.ts';
import { callUnary, listMethods } from './grpc-reflection.ts';
import { startPlatform } from './platform-process.ts';
import type { RunningPlatform } from './platform-process.ts';
import { serveRpcPage } from './rpc-browser.ts';
import type { RpcPageGlobals } from './rpc-page.ts';
import { openBrowser, swaggerRenderTimeout } from './swagger-ui-browser.ts';
import { renameAndDelete, seededNames, walkThrough } from './walk-through.ts';

const broker = uniqueBrokerNames();
interface Mode {
  /** Name in test titles and screenshot files. */
  readonly mode: string;
  /** Environment added to the platform's. */
  readonly env: Readonly<Record<string, string>>;
  readonly cleanUp: () => Promise<void>;
}

const modes: Mode[] = [
  { mode: 'in-process-bus', env: {}, cleanUp: async () => {} },
  {
    mode: 'rabbitmq',
    env: { AMQP_URL: localBrokerUrl, AMQP_EXCHANGE: broker.exchange, AMQP_QUEUE: broker.queue },
    cleanUp: () => deleteBrokerObjects(broker),
  },
];

describe.each(modes)('the platform as `npm start` runs it, events over $mode', ({ mode, env, cleanUp }) => {
  let dataDir: string;
  let platform: RunningPlatform;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `e2e-platform-${mode}-`));
    platform = await startPlatform({ ...env, DATA_DIR: dataDir });
  }, 90_000);

  afterAll(async () => {
    await platform?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await cleanUp();
  }, 60_000);

  it('walks through the seeds: list, create, see it in commands-service, add a command, read it back, with each 404/400', async () => {
    const created = await walkThrough(platform.gatewayUrl, `Go (${mode})`);
    expect(created.name).toBe(`Go (${mode})`);
  }, 60_000);

  it('renames and deletes a platform through the gateway and commands-service follows both', async () => {
    const created = await walkThrough(platform.gatewayUrl, `Rust (${mode})`);
    const reflected = await renameAndDelete(platform.gatewayUrl, created.id, `Rust 2 (${mode})`);
    expect(reflected).toEqual({ renameMs: expect.any(Number), deleteMs: expect.any(Number) });
    // Printed, not asserted (timings on a shared machine): the README quotes these.
    console.log(`e2e ${mode}: commands-service reflected the rename after ${reflected.renameMs} ms and the delete after ${reflected.deleteMs} ms`);
  }, 60_000);

  it('answers buf curl on gRPC through server reflection, without --schema', async () => {
    const methods = await listMethods(platform.grpcUrl);
    expect(methods).toEqual(expect.arrayContaining(['platforms.v1.PlatformService/GetAllPlatforms', 'grpc.health.v1.Health/Check']));

    const all = (await callUnary(platform.grpcUrl, 'platforms.v1.PlatformService/GetAllPlatforms')) as { platforms: { name: string }[] };
    expect(all.platforms.map((p) => p.name)).toEqual(expect.arrayContaining([...seededNames, `Go (${mode})`]));
    expect(await callUnary(platform.grpcUrl, 'grpc.health.v1.Health/Check')).toEqual({ status: 'SERVING' });
  }, 60_000);

  it('calls GetAllPlatforms and StreamPlatforms from a page in Chromium with connect-web (Connect and gRPC-Web) through the gateway', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      const rpcCalls: string[] = [];
      page.on('response', (response) => {
        if (response.url().includes('/platforms.v1.PlatformService/')) rpcCalls.push(`${response.request().method()} ${response.url()}`);
      });
      await page.goto(await serveRpcPage(page, platform.gatewayUrl));
      await page.waitForFunction(() => (globalThis as RpcPageGlobals).rpcResults !== undefined || (globalThis as RpcPageGlobals).rpcFailure !== undefined);
      const { rpcResults, rpcFailure } = await page.evaluate(() => ({ ...(globalThis as RpcPageGlobals) }));
      await browser.screenshot(`${mode}-rpc-through-gateway`);
      expect(rpcFailure).toBeUndefined();
      expect(rpcResults?.map((result) => result.protocol)).toEqual(['connect', 'grpc-web']);
      for (const result of rpcResults ?? []) {
        expect(result.all).toEqual(expect.arrayContaining(seededNames));
        expect(result.batches.every((batch) => batch.length >= 1 && batch.length <= 2)).toBe(true);
        expect(result.batches.flat()).toHaveLength(result.all.length);
        expect(result.invalid).toEqual({ code: '3', message: 'batch_size must be >= 0 (got -1)' });
      }
      // Every call went to the gateway's origin (the browser cannot reach the h2c port).
      const rpc = `${platform.gatewayUrl}/platforms.v1.PlatformService`;
      expect(rpcCalls).toEqual(['connect', 'grpc-web'].flatMap(() => [`POST ${rpc}/GetAllPlatforms`, `POST ${rpc}/StreamPlatforms`, `POST ${rpc}/StreamPlatforms`]));
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('shows both APIs in Swagger UI, and Try it out on GET /api/platforms answers 200 with the seeded names', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      const offOrigin: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(platform.gatewayUrl) && !request.url().startsWith('data:')) offOrigin.push(request.url());
      });
      await page.goto(`${platform.gatewayUrl}/docs/`);
      const title = page.locator('.swagger-ui .info .title');
      await expect.poll(() => title.innerText(), { timeout: swaggerRenderTimeout }).toContain('Platform Service API');
      await browser.screenshot(`${mode}-swagger-platform-service`);

      const selector = page.locator('.topbar select');
      await selector.selectOption({ label: 'Commands Service API' });
      await expect.poll(() => title.innerText(), { timeout: swaggerRenderTimeout }).toContain('Commands Service API');
      await page.locator('#operations-commands-listCommandsForPlatform, .opblock').first().waitFor();
      await browser.screenshot(`${mode}-swagger-commands-service`);

      await selector.selectOption({ label: 'Platform Service API' });
      await expect.poll(() => title.innerText(), { timeout: swaggerRenderTimeout }).toContain('Platform Service API');
      const operation = page.locator('#operations-platforms-listPlatforms');
      await operation.locator('.opblock-summary').click();
      await operation.locator('.try-out__btn').click();
      await operation.locator('.execute').click();
      const response = operation.locator('.live-responses-table tbody .response').first();
      await response.waitFor();

      expect(await operation.locator('.request-url pre').innerText()).toBe(`${platform.gatewayUrl}/api/platforms`);
      expect((await response.locator('.response-col_status').innerText()).trim()).toBe('200');
      const body = await response.locator('.response-col_description pre').first().innerText();
      for (const name of seededNames) expect(body).toContain(name);
      await browser.screenshot(`${mode}-swagger-try-it-out`, operation);
      expect(offOrigin).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('shows the platform.published message in the AsyncAPI docs', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${platform.gatewayUrl}/docs/events`);
      expect(await page.title()).toContain('Platform events');
      const publish = page.locator('#operation-send-publishPlatformPublished');
      await publish.waitFor();
      expect(await publish.innerText()).toContain('platform.published');
      await expect.poll(() => page.locator('#message-PlatformPublished').isVisible()).toBe(true);
      await browser.screenshot(`${mode}-asyncapi-docs`, publish);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it('stops everything on Ctrl-C (SIGINT) and exits 0', async () => {
    expect(await platform.stop()).toBe(0);
  }, 60_000);
});

describe('a second `npm start` on the same data folder', () => {
  it('keeps the platforms and commands of the first, and seeds only once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'e2e-platform-restart-'));
    try {
      const first = await startPlatform({ DATA_DIR: dataDir });
      let created: { id: number; name: string };
      try {
        created = await walkThrough(first.gatewayUrl, 'Rust');
      } finally {
        expect(await first.stop()).toBe(0);
      }

      const second = await startPlatform({ DATA_DIR: dataDir });
      try {
        const platforms = (await (await fetch(`${second.gatewayUrl}/api/platforms`)).json()) as { id: number; name: string }[];
        expect(platforms.map((p) => p.name)).toEqual([...seededNames, 'Rust']);
        const commands = (await (await fetch(`${second.gatewayUrl}/api/c/platforms/${created.id}/commands`)).json()) as unknown[];
        expect(commands).toHaveLength(1);
      } finally {
        expect(await second.stop()).toBe(0);
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
