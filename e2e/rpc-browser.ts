/**
 * A web app behind the gateway, for the browser RPC test: rpc-page.ts bundled for the browser
 * with esbuild (once per test file), served to chromium at `<gateway>/e2e-rpc/` by intercepting
 * that URL in the page (playwright's route), so the page has the gateway's origin, as an app the
 * gateway hosted would, and nothing is added to the gateway for the test.
 */
import { build } from 'esbuild';
import type { Page } from 'playwright-core';

const pagePath = '/e2e-rpc/';
let bundle: Promise<string> | undefined;

/** rpc-page.ts and everything it imports as one browser ES module. */
function pageScript(): Promise<string> {
  bundle ??= build({
    entryPoints: [new URL('./rpc-page.ts', import.meta.url).pathname],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return bundle;
}

/** Serves the page at `<gatewayUrl>/e2e-rpc/` in `page`; returns that URL. */
export async function serveRpcPage(page: Page, gatewayUrl: string): Promise<string> {
  const script = await pageScript();
  const html = '<!doctype html><html><head><meta charset="utf-8"><title>RPC through the gateway</title>' +
    '<style>body { font: 13px monospace; white-space: pre; }</style></head>' +
    `<body>calling platform-service through the gateway...<script type="module" src="${pagePath}page.js"></script></body></html>`;
  await page.route(`${gatewayUrl}${pagePath}**`, (route) =>
    route.request().url().endsWith('page.js')
      ? route.fulfill({ contentType: 'text/javascript; charset=utf-8', body: script })
      : route.fulfill({ contentType: 'text/html; charset=utf-8', body: html }),
  );
  return `${gatewayUrl}${pagePath}`;
}
