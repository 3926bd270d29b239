/**
 * What an old consumer was built with: code generated from the released baseline (not from the
 * working contracts) by the project's own generators, into a temporary folder outside gen/.
 * The folder links the repository's node_modules so the generated code resolves its packages
 * (openapi-fetch, ajv, @platform/runtime) exactly as gen/ does.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateAsyncapi } from '../generate/asyncapi.ts';
import { generateOpenapi } from '../generate/openapi.ts';
import { contractsLayout } from './layout.ts';

export interface BaselineCode {
  /** The generated folder, laid out like gen/ (`openapi/<service>/client.ts`, `asyncapi/<name>/index.ts`). */
  readonly genDir: string;
  /** Imports a generated module by its path below the folder: `openapi/platform-service/client.ts`. */
  load(path: string): Promise<unknown>;
  remove(): Promise<void>;
}

export interface BaselineCodeOptions {
  /** Repository root (its node_modules serve the generated code). */
  readonly root: string;
  /** The baseline to generate from. Default: `<root>/contracts/released` (laid out like contracts/). */
  readonly releasedDir?: string;
}

/** Generates the baseline's OpenAPI clients and types and its AsyncAPI events module (no HTML docs). */
export async function generateBaselineCode(options: BaselineCodeOptions): Promise<BaselineCode> {
  const dir = await mkdtemp(join(tmpdir(), 'contracts-baseline-code-'));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await symlink(join(options.root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await writeFile(join(dir, 'package.json'), '{ "private": true, "type": "module" }\n');
    const genDir = join(dir, 'gen');
    const ctx = { root: options.root, contractsDir: options.releasedDir ?? contractsLayout(options.root).releasedDir, genDir };
    await generateOpenapi(ctx);
    await generateAsyncapi(ctx, { html: false });
    return { genDir, load: (path) => import(pathToFileURL(join(genDir, path)).href) as Promise<unknown>, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
