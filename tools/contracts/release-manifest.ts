/**
 * `contracts/released/release.json`: what was released, when, from which commit, and the SHA-256
 * of every source contract and released file, so that a hand edit of the baseline is detected.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { releasedNames } from './layout.ts';

export interface ReleaseManifest {
  readonly version: string;
  /** ISO 8601 timestamp of the release. */
  readonly date: string;
  /** Commit the contracts were taken from; null outside a git repository. */
  readonly commit: string | null;
  /** True when the contracts were taken from the working tree rather than from the commit. */
  readonly fromWorkingTree: boolean;
  /** buf version that built the image. */
  readonly buf: string;
  /** `sha256:<hex>` of each source contract, by path relative to the repository root. */
  readonly sources: Readonly<Record<string, string>>;
  /** `sha256:<hex>` of each released file, by path relative to contracts/released. */
  readonly files: Readonly<Record<string, string>>;
}

export function sha256(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The manifest of a released baseline, or undefined when nothing was released yet. */
export async function readManifest(releasedDir: string): Promise<ReleaseManifest | undefined> {
  const text = await readFile(join(releasedDir, releasedNames.manifest), 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const manifest = JSON.parse(text) as ReleaseManifest;
  if (typeof manifest.version !== 'string' || typeof manifest.files !== 'object' || typeof manifest.sources !== 'object') {
    throw new Error(`cannot read ${join(releasedDir, releasedNames.manifest)}: version, sources and files are required`);
  }
  return manifest;
}

/** Problems with the released files: missing, or different from what release.json recorded. */
export async function verifyReleasedFiles(releasedDir: string, manifest: ReleaseManifest): Promise<string[]> {
  const problems: string[] = [];
  for (const [path, hash] of Object.entries(manifest.files)) {
    const bytes = await readFile(join(releasedDir, path)).catch(() => undefined);
    if (bytes === undefined) problems.push(`${path} is missing`);
    else if (sha256(bytes) !== hash) problems.push(`${path} differs from the released file (edited by hand?)`);
  }
  const version = await readFile(join(releasedDir, releasedNames.version), 'utf8').catch(() => undefined);
  if (version?.trim() !== manifest.version) problems.push(`${releasedNames.version} says ${JSON.stringify(version?.trim())}, release.json ${manifest.version}`);
  return problems;
}
