/**
 * Generation step `packages` (also `npm run packages`): the client packages of the contracts,
 * compiled from what the other steps wrote into gen/, into gen/packages/<folder>/, each ready for
 * `npm pack`. Runs after proto and openapi; the whole gen/packages folder is rebuilt each run.
 * What the packages are: packages/contract-packages.ts; how one is built: packages/build.ts.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerateContext } from './index.ts';
import { buildPackage } from './packages/build.ts';
import { contractPackages } from './packages/contract-packages.ts';

export async function generatePackages(ctx: GenerateContext): Promise<void> {
  const outDir = join(ctx.genDir, 'packages');
  await rm(outDir, { recursive: true, force: true });
  for (const spec of await contractPackages(ctx)) await buildPackage(ctx.root, ctx.genDir, spec, join(outDir, spec.folder));
}
