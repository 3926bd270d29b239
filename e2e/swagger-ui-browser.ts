/**
 * A person with a browser: headless Debian chromium (driven by playwright-core, which downloads
 * no browser) opens the docs the gateway serves, and screenshots go to test-artifacts/e2e/.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { repositoryRoot } from './platform-process.ts';

export const chromiumPath = '/usr/bin/chromium';
export const screenshotsDir = join(repositoryRoot, 'test-artifacts/e2e');

/**
 * How long Swagger UI may take to render a document after the page loaded: about a second on a
 * quiet machine, several on a busy 2-core one (headless Chromium parses a 1.7 MB bundle), far
 * past expect.poll's default of one second.
 */
export const swaggerRenderTimeout = 15_000;
const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly page: Page;
  /** Saves a screenshot of `target` (default: the whole page) as test-artifacts/e2e/<name>.png; returns its path. */
  screenshot(name: string, target?: Locator): Promise<string>;
  close(): Promise<void>;
}

/** Starts chromium with a fresh profile folder (removed on close) and opens one page. */
export async function openBrowser(): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'e2e-chromium-'));
  await mkdir(screenshotsDir, { recursive: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: chromiumFlags,
      viewport: { width: 1280, height: 900 },
    });
  } catch (error) {
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    async screenshot(name, target) {
      const path = join(screenshotsDir, `${name}.png`);
      if (target) await target.screenshot({ path });
      else await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
