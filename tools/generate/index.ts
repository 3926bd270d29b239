/**
 * `npm run generate`: compiles every contract in contracts/ into gen/, offline.
 * Usage: node tools/generate/index.ts [step ...]   (steps: proto, openapi, asyncapi; default all)
 * Every step writes only below gen/ and produces byte-identical output when run twice.
 */
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { writeGenPackage } from './gen-package.ts';

export interface GenerateContext {
  /** Repository root. */
  readonly root: string;
  /** contracts/ folder. */
  readonly contractsDir: string;
  /** gen/ folder (the only place steps write to). */
  readonly genDir: string;
}

type Step = (ctx: GenerateContext) => Promise<void>;

const steps: Record<string, () => Promise<Step>> = {
  proto: async () => (await import('./proto.ts')).generateProto,
  openapi: async () => (await import('./openapi.ts')).generateOpenapi,
  asyncapi: async () => (await import('./asyncapi.ts')).generateAsyncapi,
};

export async function generate(ctx: GenerateContext, names: readonly string[] = Object.keys(steps)): Promise<void> {
  await writeGenPackage(ctx.root, ctx.genDir);
  for (const name of names) {
    const load = steps[name];
    if (!load) throw new Error(`cannot generate: unknown step "${name}" (known: ${Object.keys(steps).join(', ')})`);
    const started = performance.now();
    await (await load())(ctx);
    console.log(`generate: ${name} done in ${Math.round(performance.now() - started)} ms`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const genDir = process.env.GEN_DIR ? resolve(process.env.GEN_DIR) : resolve(root, 'gen');
  const names = process.argv.slice(2);
  await generate({ root, contractsDir: resolve(root, 'contracts'), genDir }, names.length > 0 ? names : undefined);
}
