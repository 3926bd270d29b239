/**
 * The API paths of the `api` Ingress (k8s/base/ingress.yaml), derived from the OpenAPI documents:
 * each service's route prefixes (gateway/src/api-routes.ts, the gateway routes by the same) go to
 * its Service's `http` port; the gateway keeps its own pages. `npm run k8s:routes` rewrites the
 * file after a contract adds or moves paths; manifests.test.ts fails while the file disagrees.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, parseAllDocuments } from 'yaml';
import type { ApiRoute } from '../../gateway/src/api-routes.ts';
import { readApiRoutes } from '../../gateway/src/api-routes.ts';
import { repositoryRoot } from './services.ts';

/** Paths the gateway itself serves through the ingress. */
export const gatewayPaths = ['/docs', '/contracts'] as const;

export const ingressFile = join(repositoryRoot, 'k8s', 'base', 'ingress.yaml');

const to = (name: string) => ({ service: { name, port: { name: 'http' as const } } });

/** The `paths` of the api Ingress for these routes: every API prefix, then the gateway's pages. */
export function ingressPaths(routes: readonly ApiRoute[]): { path: string; pathType: 'Prefix'; backend: { service: { name: string; port: { name: 'http' } } } }[] {
  return [
    ...routes.flatMap((route) => route.prefixes.map((path) => ({ path, pathType: 'Prefix' as const, backend: to(route.service) }))),
    ...gatewayPaths.map((path) => ({ path, pathType: 'Prefix' as const, backend: to('gateway') })),
  ];
}

/** The ingress file's text with the api Ingress's paths replaced by those of `routes` (comments and the rest kept). */
export function renderIngress(text: string, routes: readonly ApiRoute[]): string {
  const documents = parseAllDocuments(text);
  const api = documents.find((document) => document.get('kind') === 'Ingress' && document.getIn(['metadata', 'name']) === 'api');
  if (api === undefined || !('getIn' in api)) throw new Error('cannot derive the ingress paths: no Ingress named api in k8s/base/ingress.yaml');
  const paths = api.createNode(ingressPaths(routes));
  if (isSeq(paths)) {
    for (const item of paths.items) {
      const backend = isMap(item) ? item.get('backend', true) : undefined;
      if (isMap(backend)) backend.flow = true;
    }
  }
  api.setIn(['spec', 'rules', 0, 'http', 'paths'], paths);
  return documents.map((document) => document.toString({ lineWidth: 0 })).join('');
}

/** Rewrites k8s/base/ingress.yaml from the contracts; true when it changed. */
export async function writeIngress(root = repositoryRoot): Promise<boolean> {
  const file = join(root, 'k8s', 'base', 'ingress.yaml');
  const text = await readFile(file, 'utf8');
  const next = renderIngress(text, readApiRoutes(join(root, 'contracts')));
  if (next !== text) await writeFile(file, next);
  return next !== text;
}

if (import.meta.main) {
  const changed = await writeIngress();
  console.log(changed ? 'k8s/base/ingress.yaml: API paths rewritten from contracts/openapi' : 'k8s/base/ingress.yaml already routes what contracts/openapi declares');
}
