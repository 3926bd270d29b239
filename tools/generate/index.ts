/**
 * `npm run generate`: compiles every contract in contracts/ into gen/, offline.
 * Usage: node tools/generate/index.ts [step ...]   (steps: proto, openapi, asyncapi, runtime-fixtures, packages; default all)
 * `packages` compiles the client packages from what proto and openapi wrote, so it runs after them.
 * Every step writes only below gen/ (and the runtime's own runtime/src/generated) and produces
 * byte-identical output when run twice.
 *
 * gen/generated-from.json records the hash of every contract the code in gen/ was compiled from
 * (runtime/src/generated-code); the start scripts refuse to start when contracts/ differs from it.
 * A run takes the kinds it regenerates out of it first and puts them back last, so a generation
 * that fails leaves them unrecorded (and a later run of the same kinds completes the record).
 */
import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { contractKinds, hashContracts, kindOf, readStamp, sortedByPath, stampFileName } from '@platform/runtime/generated-code';
import type { ContractKind, GenerationStamp } from '@platform/runtime/generated-code';
import { writeGenPackage } from './gen-package.ts';

export interface GenerateContext {
  /** Repository root. */
  readonly root: string;
  /** contracts/ folder. */
  readonly contractsDir: string;
  /** gen/ folder: the code generated from contracts/. */
  readonly genDir: string;
  /**
   * The runtime's own generated code (runtime/src/generated): the gRPC health and reflection
   * protos it serves and its test fixtures, so the runtime never imports gen/. Default
   * `<genDir>/runtime` (tests generating into a temporary folder).
   */
  readonly runtimeGenDir?: string;
}


type Step = (ctx: GenerateContext) => Promise<void>;

const steps: Record<string, () => Promise<Step>> = {
  proto: async () => (await import('./proto.ts')).generateProto,
  openapi: async () => (await import('./openapi.ts')).generateOpenapi,
  asyncapi: async () => (await import('./asyncapi.ts')).generateAsyncapi,
  'runtime-fixtures': async () => (await import('./runtime-fixtures.ts')).generateRuntimeFixtures,
  packages: async () => (await import('./packages.ts')).generatePackages,
};

export async function generate(ctx: GenerateContext, names: readonly string[] = Object.keys(steps)): Promise<void> {
  const unknown = names.filter((name) => !(name in steps));
  if (unknown.length > 0) throw new Error(`cannot generate: unknown step "${unknown[0]}" (known: ${Object.keys(steps).join(', ')})`);
  await writeGenPackage(ctx.root, ctx.genDir);
  const kinds = contractKinds.filter((kind) => names.includes(kind));
  // The kinds being regenerated leave the record first and return when every step has finished,
  // so a run that fails leaves them out and a start refuses until a run succeeds.
  await writeStamp(ctx.genDir, nextStamp(readStamp(ctx.genDir), {}, kinds));
  const during = readStamp(ctx.genDir);
  for (const name of names) {
    const started = performance.now();
    await (await steps[name]!())(ctx);
    console.log(`generate: ${name} done in ${Math.round(performance.now() - started)} ms`);
  }
  await writeStamp(ctx.genDir, nextStamp(during, hashContracts(ctx.contractsDir), kinds));
}

async function writeStamp(genDir: string, stamp: GenerationStamp | undefined): Promise<void> {
  const file = join(genDir, stampFileName);
  if (stamp === undefined) await rm(file, { force: true });
  else await writeFile(file, `${JSON.stringify(stamp, null, 2)}\n`);
}

/**
 * The record after a run that regenerated `kinds` from contracts hashed `now`: those kinds from
 * `now`, the others as `before` recorded them (their code was not touched). Without a `before`, only
 * a run of every kind can vouch for gen/.
 */
export function nextStamp(before: GenerationStamp | undefined, now: Readonly<Record<string, string>>, kinds: readonly ContractKind[]): GenerationStamp | undefined {
  if (kinds.length === contractKinds.length) return { contracts: now };
  if (before === undefined) return undefined;
  const regenerated = (path: string): boolean => kinds.some((kind) => kind === kindOf(path));
  const kept = Object.entries(before.contracts).filter(([path]) => !regenerated(path));
  const fresh = Object.entries(now).filter(([path]) => regenerated(path));
  return { contracts: sortedByPath(Object.fromEntries([...kept, ...fresh])) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const genDir = process.env.GEN_DIR ? resolve(process.env.GEN_DIR) : resolve(root, 'gen');
  const names = process.argv.slice(2);
  const runtimeGenDir = process.env.GEN_DIR ? join(genDir, 'runtime') : resolve(root, 'runtime/src/generated');
  await generate({ root, contractsDir: resolve(root, 'contracts'), genDir, runtimeGenDir }, names.length > 0 ? names : undefined);
}
