/**
 * Generation step `openapi`: for every contract in contracts/openapi/<service>.yaml writes
 * gen/openapi/<service>/types.ts (openapi-typescript), server.ts (typed handler interface,
 * route table, parsed document) and client.ts (typed openapi-fetch client factory).
 * Output is deterministic; the whole gen/openapi folder is rebuilt each run.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GenerateContext } from './index.ts';
import { emitClient } from './openapi/emit-client.ts';
import { emitServer } from './openapi/emit-server.ts';
import { emitTypes } from './openapi/emit-types.ts';
import { loadContract } from './openapi/contract.ts';

export async function generateOpenapi(ctx: GenerateContext): Promise<void> {
  const sourceDir = join(ctx.contractsDir, 'openapi');
  const files = (await readdir(sourceDir)).filter((file) => /\.ya?ml$/.test(file)).toSorted();
  if (files.length === 0) throw new Error(`cannot generate OpenAPI code: no .yaml contract in ${sourceDir}`);

  const outDir = join(ctx.genDir, 'openapi');
  await rm(outDir, { recursive: true, force: true });
  for (const file of files) {
    const contract = await loadContract(join(sourceDir, file), ctx.root);
    const dir = join(outDir, contract.service);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'types.ts'), await emitTypes(contract));
    await writeFile(join(dir, 'server.ts'), emitServer(contract));
    await writeFile(join(dir, 'client.ts'), emitClient(contract));
  }
}
