/**
 * `npm install` on a Node older than the engines range stops at once, naming the version: npm's
 * own devEngines check stops it before anything is resolved, and the preinstall script
 * (check-node.cjs, plain CommonJS) prints one line where npm does not. Both run here under the
 * machine's system Node 20 (/usr/bin/node), which the repository does not support.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanNpmEnv } from '../generate/packages/npm.ts';

const root = join(import.meta.dirname, '../..');
const script = join(import.meta.dirname, 'check-node.cjs');
const { check } = createRequire(import.meta.url)('./check-node.cjs') as { check: (range: string | undefined, version: string, execPath: string) => string };
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  devEngines: { runtime: { name: string; version: string; onFail: string } };
  scripts: Record<string, string>;
};

/** The system Node, when it is older than what the repository needs (Node 20 on these machines). */
const oldNode = ((): { path: string; version: string } | undefined => {
  const path = '/usr/bin/node';
  if (!existsSync(path)) return undefined;
  const version = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  return check(manifest.engines.node, version, path) ? { path, version } : undefined;
})();

describe('check-node.cjs', () => {
  it('accepts-versions-in-the-range-and-names-the-required-one-otherwise', () => {
    expect(check('>=24.11', 'v24.11.0', '/x/node')).toBe('');
    expect(check('>=24.11', 'v25.0.1', '/x/node')).toBe('');
    expect(check('>=24.11', 'v24.10.9', '/x/node')).toBe(
      'This project needs Node.js 24.11 or newer (engines: ">=24.11"); this is Node.js v24.10.9 at /x/node. Install Node.js 24 LTS, put it first on PATH, then run npm install again.',
    );
    expect(check('^24', 'v24.0.0', '/x/node')).toMatch(/^cannot check the Node.js version: engines.node "\^24"/);
  });

  it('is-what-npm-install-runs-first-and-reads-the-same-range-as-devEngines', () => {
    expect(manifest.scripts.preinstall).toBe('node tools/node-version/check-node.cjs');
    expect(manifest.devEngines.runtime).toEqual({ name: 'node', version: manifest.engines.node, onFail: 'error' });
  });

  it('passes-silently-on-this-node', () => {
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr, stdout: result.stdout }).toEqual({ status: 0, stderr: '', stdout: '' });
  });

  it.skipIf(oldNode === undefined)('stops-with-one-line-under-the-system-node-20', () => {
    const result = spawnSync(oldNode!.path, [script], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([expect.stringContaining(`needs Node.js 24.11 or newer (engines: ">=24.11"); this is Node.js ${oldNode!.version} at`), '']);
  });
});

describe('npm install under the system node 20', () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-version-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(oldNode === undefined)('stops-before-resolving-anything-and-names-the-required-version', () => {
    // The real manifest (its dependencies, workspaces and scripts), alone: had npm got past the
    // check it would fail on the missing workspaces or start downloading, and leave node_modules.
    copyFileSync(join(root, 'package.json'), join(dir, 'package.json'));
    copyFileSync(join(root, '.npmrc'), join(dir, '.npmrc'));
    const result = spawnSync('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...cleanNpmEnv(), PATH: `/usr/bin:${process.env.PATH ?? ''}` },
    });
    const output = `${result.stdout}${result.stderr}`;
    expect({ status: result.status, output }).not.toMatchObject({ status: 0 });
    expect(output).toContain(`Invalid semver version ">=24.11" does not match "${oldNode!.version}" for "runtime"`);
    expect(output).not.toContain('EBADENGINE ');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(existsSync(join(dir, 'package-lock.json'))).toBe(false);
  });
});
