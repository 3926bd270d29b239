import { mkdir, rm, symlink, writeFile, lstat, readlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/**
 * Makes `gen/` importable as the package `@platform/gen` (`import ... from '@platform/gen/proto/...'`).
 * gen/ is generated and not committed, so it cannot be an npm workspace; instead we write its
 * package.json and link it into node_modules ourselves, exactly as npm links a workspace.
 */
export async function writeGenPackage(root: string, genDir: string): Promise<void> {
  await mkdir(genDir, { recursive: true });
  const pkg = {
    name: '@platform/gen',
    private: true,
    type: 'module',
    description: 'Generated from contracts/ by `npm run generate`. Do not edit.',
    exports: { './*': './*' },
  };
  await writeFile(join(genDir, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  // A generation into another folder (reproducibility checks) must not steal the package link.
  if (genDir !== join(root, 'gen')) return;
  const link = join(root, 'node_modules', '@platform', 'gen');
  const target = relative(dirname(link), genDir);
  await mkdir(dirname(link), { recursive: true });
  const existing = await lstat(link).catch(() => undefined);
  if (existing?.isSymbolicLink() && (await readlink(link)) === target) return;
  if (existing) await rm(link, { recursive: true, force: true });
  await symlink(target, link, 'dir');
}
