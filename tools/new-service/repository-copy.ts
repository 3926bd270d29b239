/**
 * A working copy of the repository for tests that change it (the scaffold test): its files
 * (tracked and untracked-but-not-ignored) in a fresh git repository, with the installed packages linked, not copied, and the
 * workspace links pointing into the copy, so code there resolves `@platform/*` to the copy's own.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { linkInstalledPackages } from '../deploy/image-build.ts';

const run = promisify(execFile);

/** Copies the repository at `repository` into `target` (created), linking node_modules. */
export async function copyRepository(repository: string, target: string): Promise<void> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repository, maxBuffer: 64 * 1024 * 1024 });
  for (const file of stdout.split('\0').filter((entry) => entry !== '')) {
    if (!(await stat(join(repository, file)).catch(() => undefined))?.isFile()) continue; // deleted in the work tree
    await mkdir(dirname(join(target, file)), { recursive: true });
    await cp(join(repository, file), join(target, file));
  }
  // A git repository of its own (nothing committed): tools that list the repository's files (the image context) work there.
  await run('git', ['init', '-q'], { cwd: target });
  await linkInstalledPackages(join(repository, 'node_modules'), join(target, 'node_modules'));
  const { workspaces } = JSON.parse(await readFile(join(repository, 'package.json'), 'utf8')) as { workspaces: string[] };
  for (const workspace of workspaces) {
    const nested = join(repository, workspace, 'node_modules');
    if (await stat(nested).catch(() => undefined)) await linkInstalledPackages(nested, join(target, workspace, 'node_modules'));
  }
}
