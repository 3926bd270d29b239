/**
 * Package versions follow the contract release (contracts/released/, `npm run contracts:release`):
 *
 * - when every contract source of the package is byte for byte what the release recorded, the
 *   package has the release's version (`1.0.0`);
 * - otherwise the working contracts are ahead of the release, and the package is a prerelease of
 *   the next patch named after their content, `1.0.1-dev.sha-<12 hex digits>`: above the release,
 *   below whatever the next release will be (1.0.1, 1.1.0 or 2.0.0), and different for different
 *   contract bytes. Such a package is for trying a change out, never for publishing;
 * - with no release at all, `0.0.0-dev.sha-<...>`.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readManifest, sha256 } from '../../contracts/release-manifest.ts';
import { parseVersion } from '../../contracts/version.ts';

/** The version of a package compiled from `contracts` (paths of files or folders, relative to `root`). */
export async function packageVersion(root: string, contracts: readonly string[]): Promise<string> {
  const current = await hashSources(root, contracts);
  if (Object.keys(current).length === 0) throw new Error(`cannot version a package: no contract file in ${contracts.join(', ')}`);
  const manifest = await readManifest(join(root, 'contracts', 'released'));
  const covered = (path: string) => contracts.some((contract) => path === contract || path.startsWith(`${contract}/`));
  if (manifest !== undefined) {
    const released = Object.entries(manifest.sources).filter(([path]) => covered(path));
    const same = released.length === Object.keys(current).length && released.every(([path, hash]) => current[path] === hash);
    if (same) return manifest.version;
  }
  const { major, minor, patch } = manifest === undefined ? { major: 0, minor: 0, patch: -1 } : parseVersion(manifest.version);
  const content = sha256(Object.entries(current).map(([path, hash]) => `${path} ${hash}\n`).join('')).slice('sha256:'.length, 'sha256:'.length + 12);
  return `${major}.${minor}.${patch + 1}-dev.sha-${content}`;
}

/** `sha256:<hex>` of every contract file of `contracts`, by path relative to `root` with `/`, sorted. */
async function hashSources(root: string, contracts: readonly string[]): Promise<Record<string, string>> {
  const files: string[] = [];
  for (const contract of contracts) {
    const info = await stat(join(root, contract)).catch(() => undefined);
    if (info?.isFile()) files.push(contract);
    else if (info?.isDirectory()) {
      const entries = await readdir(join(root, contract), { recursive: true, withFileTypes: true });
      // The kinds of file a release records (tools/contracts/release.ts).
      for (const entry of entries) if (entry.isFile() && /\.(proto|ya?ml)$/.test(entry.name)) files.push(`${contract}/${join(entry.parentPath, entry.name).slice(join(root, contract).length + 1).replaceAll('\\', '/')}`);
    }
  }
  const hashes: Record<string, string> = {};
  for (const file of files.toSorted()) hashes[file] = sha256(await readFile(join(root, file)));
  return hashes;
}
