import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join } from 'node:path';
import { Router } from 'express';
import { parse } from 'yaml';
import type { ContractFile } from './contract-files.ts';
import { answerProblem } from './answer-problem.ts';

/** One OpenAPI document as Swagger UI gets it. */
interface ApiDocument {
  /** File name without extension (`platform-service`), used in the URL. */
  readonly name: string;
  /** `info.title` of the document. */
  readonly title: string;
  /** The document as JSON, its `servers` replaced by this gateway. */
  readonly json: string;
}

const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
/** The files of swagger-ui-dist the page uses; its demo index and initializer stay unpublished. */
const assets = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-16x16.png', 'favicon-32x32.png'];

/**
 * The servers of a document shown through the gateway: the gateway itself, as a relative URL,
 * so "Try it out" calls the origin the page came from (no CORS, works on any host and port).
 */
async function loadDocument(contract: ContractFile): Promise<ApiDocument> {
  const document = parse(await readFile(contract.file, 'utf8')) as { info?: { title?: string }; servers?: unknown };
  document.servers = [{ url: '/', description: 'This gateway (same origin as the page)' }];
  const name = basename(contract.path, extname(contract.path));
  return { name, title: document.info?.title ?? name, json: JSON.stringify(document) };
}

function page(documents: readonly ApiDocument[], primary: string | undefined): string {
  const config = {
    urls: documents.map((d) => ({ name: d.title, url: `./openapi/${d.name}.json` })),
    'urls.primaryName': (documents.find((d) => d.name === primary) ?? documents[0])?.title,
  };
  // JSON inside <script>: escape '<' so no value can close the element.
  const json = JSON.stringify(config).replaceAll('<', '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Platform APIs</title>
  <link rel="stylesheet" href="./swagger-ui.css">
  <link rel="icon" type="image/png" href="./favicon-32x32.png" sizes="32x32">
  <style>body{margin:0} .platform-links{font:14px sans-serif;padding:8px 20px;background:#f4f4f4;border-bottom:1px solid #ddd}
  .platform-links a{margin-right:16px}</style>
</head>
<body>
  <nav class="platform-links"><a href="./events/">Events (AsyncAPI)</a><a href="../contracts">Raw contracts</a></nav>
  <div id="swagger-ui"></div>
  <script src="./swagger-ui-bundle.js"></script>
  <script src="./swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle(Object.assign(${json}, {
      dom_id: '#swagger-ui',
      deepLinking: true,
      validatorUrl: null,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'StandaloneLayout',
    }));
  </script>
</body>
</html>
`;
}

/**
 * Swagger UI at `/docs/` (offline, from swagger-ui-dist) with every OpenAPI contract and a
 * selector between them, opening on `primary` (a contract's file name without extension; default
 * the first); the documents themselves at `/docs/openapi/<name>.json`. Documents are read once,
 * when the router is built.
 */
export async function swaggerUiRoute(contracts: readonly ContractFile[], options: { readonly primary?: string } = {}): Promise<Router> {
  const documents = await Promise.all(contracts.filter((c) => c.kind === 'openapi').map(loadDocument));
  const byFile = new Map(documents.map((d) => [`${d.name}.json`, d]));
  const html = page(documents, options.primary);
  const router = Router({ strict: true });

  router.get('/docs', (req, res) => {
    res.redirect(301, `/docs/${req.originalUrl.slice('/docs'.length)}`);
  });
  router.get('/docs/', (_req, res) => {
    res.type('html').send(html);
  });
  router.get('/docs/openapi/:file', (req, res) => {
    const document = byFile.get(req.params.file);
    if (document) res.type('json').send(document.json);
    else answerProblem(req, res, 404, 'No OpenAPI document has this name.');
  });
  for (const asset of assets) {
    router.get(`/docs/${asset}`, (_req, res, next) => {
      res.sendFile(join(swaggerUiDir, asset), { maxAge: '1h' }, (err) => {
        if (err && !res.headersSent) next(err);
      });
    });
  }
  return router;
}
