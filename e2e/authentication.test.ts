/**
 * End-to-end, authentication on: the platform started as `npm start` runs it, with AUTH_* pointing
 * at a local issuer. The shared write-protection suite through the gateway for both APIs (the
 * gateway forwards Authorization untouched and logs no token), both services called directly
 * (npm start hands AUTH_* to both), and a person in Swagger UI: the Authorize button, a lock on
 * each write and none on the reads, and "Try it out" sending the token.
 * Screenshots: test-artifacts/e2e/auth-*.png.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalIssuer } from '@platform/runtime/auth/local-issuer';
import type { LocalIssuer } from '@platform/runtime/auth/local-issuer';
import { authEnvFor, describeWriteProtection } from '@platform/runtime/auth/testing';
import type { ProtectedApi } from '@platform/runtime/auth/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlatform } from './platform-process.ts';
import type { RunningPlatform } from './platform-process.ts';
import { openBrowser, swaggerRenderTimeout } from './swagger-ui-browser.ts';

/** The platform on its own data folder with these variables; stop() also removes the folder. */
async function platformWith(env: Record<string, string>): Promise<RunningPlatform & { remove(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-auth-'));
  const platform = await startPlatform({ ...env, DATA_DIR: dataDir });
  return { ...platform, remove: () => rm(dataDir, { recursive: true, force: true }) };
}

const json = { 'content-type': 'application/json' };

/** Waits (outside a test, so no expect.poll) until `url` answers 200: the start-up sync has run. */
async function untilOk(url: string): Promise<void> {
  for (let attempt = 0; (await fetch(url)).status !== 200; attempt += 1) {
    if (attempt === 300) throw new Error(`${url} never answered 200`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const withAuthorization = (authorization: string | undefined): Record<string, string> => ({ ...json, ...(authorization ? { authorization } : {}) });

describeWriteProtection({
  name: 'platform-service through the gateway (npm start)',
  scope: 'platforms:write',
  realm: 'platform-service',
  async start(authEnv) {
    const platform = await platformWith(authEnv);
    const platforms = `${platform.gatewayUrl}/api/platforms`;
    const body = JSON.stringify({ name: 'Elixir', publisher: 'Dashbit', cost: 'Free' });
    return {
      write: (authorization) => fetch(platforms, { method: 'POST', body, headers: withAuthorization(authorization) }),
      read: () => fetch(platforms),
      footprint: async () => `${((await (await fetch(platforms)).json()) as unknown[]).length} platforms`,
      logs: () => platform.output,
      async stop() {
        const code = await platform.stop();
        await platform.remove();
        if (code !== 0) throw new Error(`npm start exited with ${code} on Ctrl-C`);
      },
    } satisfies ProtectedApi & { stop(): Promise<void> };
  },
});

describeWriteProtection({
  name: 'commands-service through the gateway (npm start)',
  scope: 'commands:write',
  realm: 'commands-service',
  async start(authEnv) {
    const platform = await platformWith(authEnv);
    const commands = `${platform.gatewayUrl}/api/c/platforms/1/commands`;
    // The seeded platform 1 reaches commands-service by its start-up sync.
    await untilOk(commands);
    const body = JSON.stringify({ howTo: 'Build', commandLine: 'dotnet build' });
    return {
      write: (authorization) => fetch(commands, { method: 'POST', body, headers: withAuthorization(authorization) }),
      read: () => fetch(commands),
      footprint: async () => `${((await (await fetch(commands)).json()) as unknown[]).length} commands`,
      logs: () => platform.output,
      async stop() {
        const code = await platform.stop();
        await platform.remove();
        if (code !== 0) throw new Error(`npm start exited with ${code} on Ctrl-C`);
      },
    };
  },
});

describe('the platform with authentication on, as a person uses it', () => {
  let issuer: LocalIssuer;
  let platform: RunningPlatform & { remove(): Promise<void> };

  beforeAll(async () => {
    issuer = await startLocalIssuer();
    platform = await platformWith(authEnvFor(issuer));
  }, 90_000);
  afterAll(async () => {
    await platform?.stop();
    await platform?.remove();
    await issuer?.close();
  }, 60_000);

  it('says-authentication-on-in-the-ready-line-and-readyz', async () => {
    const on = `authentication on: bearer tokens from ${issuer.issuer} for ${issuer.audience}`;
    const ready = platform.output.map((line) => (line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {})).find((line) => line.msg === 'platform ready');
    expect(ready?.authentication).toBe(on);
    const readyz = (await (await fetch(`${platform.gatewayUrl}/readyz`)).json()) as { checks: Record<string, { checks: { authentication: { detail: string } } }> };
    expect(readyz.checks['platform-service']?.checks.authentication.detail).toMatch(new RegExp(`^${on}; keys `));
    expect(readyz.checks['commands-service']?.checks.authentication.detail).toMatch(new RegExp(`^${on}; keys `));
  });

  it('protects-both-services-when-called-directly-too', async () => {
    const token = await issuer.sign({ scope: 'platforms:write commands:write' });
    const platforms = `${platform.platformRestUrl}/api/platforms`;
    const commands = `${platform.commandsRestUrl}/api/c/platforms/1/commands`;
    const platformBody = JSON.stringify({ name: 'Direct', publisher: 'p', cost: 'c' });
    const commandBody = JSON.stringify({ howTo: 'Direct', commandLine: 'direct' });
    expect((await fetch(platforms, { method: 'POST', body: platformBody, headers: json })).status).toBe(401);
    expect((await fetch(commands, { method: 'POST', body: commandBody, headers: json })).status).toBe(401);
    expect((await fetch(platforms, { method: 'POST', body: platformBody, headers: withAuthorization(`Bearer ${token}`) })).status).toBe(201);
    await expect.poll(async () => (await fetch(commands)).status, { timeout: 30_000 }).toBe(200);
    expect((await fetch(commands, { method: 'POST', body: commandBody, headers: withAuthorization(`Bearer ${token}`) })).status).toBe(201);
    expect((await fetch(`${platform.commandsRestUrl}/api/c/platforms`, { method: 'POST' })).status).toBe(200);
  });

  it('shows-the-authorize-button-and-locks-on-the-writes-and-try-it-out-sends-the-token', async () => {
    const browser = await openBrowser();
    try {
      const { page } = browser;
      await page.goto(`${platform.gatewayUrl}/docs/`);
      const title = page.locator('.swagger-ui .info .title');
      await expect.poll(() => title.innerText(), { timeout: swaggerRenderTimeout }).toContain('Platform Service API');
      const authorize = page.locator('.swagger-ui .auth-wrapper .btn.authorize');
      await authorize.waitFor();
      const lockOf = (operation: string) => page.locator(`#operations-platforms-${operation} .authorization__btn`);
      expect(await lockOf('createPlatform').count()).toBe(1);
      expect(await lockOf('listPlatforms').count()).toBe(0);
      expect(await lockOf('getPlatformById').count()).toBe(0);
      await browser.screenshot('auth-swagger-locks');

      // Without a token, Try it out is refused with the challenge.
      const create = page.locator('#operations-platforms-createPlatform');
      await create.locator('.opblock-summary').click();
      await create.locator('.try-out__btn').click();
      await create.locator('.execute').click();
      const status = create.locator('.live-responses-table tbody .response .response-col_status').first();
      await expect.poll(async () => (await status.innerText().catch(() => '')).trim()).toBe('401');

      // Authorize with a token, then the same Try it out creates the platform.
      await authorize.click();
      const dialog = page.locator('.swagger-ui .modal-ux');
      await dialog.locator('input').first().fill(await issuer.sign({ scope: 'platforms:write' }));
      await browser.screenshot('auth-swagger-authorize', dialog);
      await dialog.locator('button.modal-btn.auth.authorize').click();
      await dialog.locator('button.modal-btn.btn-done').click();
      expect(await page.locator('.swagger-ui .auth-wrapper .btn.authorize.locked').count()).toBe(1);
      await create.locator('.execute').click();
      await expect.poll(async () => (await status.innerText().catch(() => '')).trim()).toBe('201');
      expect(await create.locator('.curl-command').innerText()).toContain('Authorization: Bearer ');
      await browser.screenshot('auth-swagger-try-it-out', create);

      // The commands API shows its lock on the one write as well.
      await page.locator('.topbar select').selectOption({ label: 'Commands Service API' });
      await expect.poll(() => title.innerText(), { timeout: swaggerRenderTimeout }).toContain('Commands Service API');
      await page.locator('#operations-commands-createCommandForPlatform').waitFor();
      expect(await page.locator('#operations-commands-createCommandForPlatform .authorization__btn').count()).toBe(1);
      expect(await page.locator('#operations-platforms-testInboundConnection .authorization__btn').count()).toBe(0);
      expect(await page.locator('#operations-commands-listCommandsForPlatform .authorization__btn').count()).toBe(0);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
