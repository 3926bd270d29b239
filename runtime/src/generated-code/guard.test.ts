/**
 * The start scripts as a person runs them: `npm start` at the root and in each part, in a copy of
 * the repository's start-up surface (the real package.json scripts, this guard, contracts/ and the
 * record of gen/) whose entry files only say that they ran. An edited contract stops each of them
 * before its entry loads, with the guard's one line.
 */
import { spawnSync } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanNpmEnv } from '@platform/tools/generate/packages/npm.ts';
import { hashContracts, stampFileName } from './index.ts';

const repositoryRoot = join(import.meta.dirname, '../../..');
const parts = ['platform-service', 'commands-service', 'gateway'] as const;

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'guard-'));
  const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'guard-copy', private: true, type: 'module', scripts: { start: manifest.scripts.start } }));
  await writeFile(join(root, 'start.ts'), "console.log('entry ran: start.ts');\n");
  await cp(join(repositoryRoot, 'runtime/package.json'), join(root, 'runtime/package.json'));
  await cp(join(repositoryRoot, 'runtime/src/generated-code'), join(root, 'runtime/src/generated-code'), { recursive: true });
  // Each part's `npm start` runs the runtime's launcher (runtime/bin/start-part.js).
  await cp(join(repositoryRoot, 'runtime/bin'), join(root, 'runtime/bin'), { recursive: true });
  await mkdir(join(root, 'runtime/src/generated'), { recursive: true });
  await mkdir(join(root, 'node_modules/@platform'), { recursive: true });
  await symlink('../../runtime', join(root, 'node_modules/@platform/runtime'), 'dir');
  for (const part of parts) {
    const partManifest = JSON.parse(await readFile(join(repositoryRoot, part, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string> };
    await mkdir(join(root, part, 'src'), { recursive: true });
    await writeFile(join(root, part, 'package.json'), JSON.stringify({ name: partManifest.name, private: true, type: 'module', scripts: { start: partManifest.scripts.start } }));
    await writeFile(join(root, part, 'src/main.ts'), `console.log('entry ran: ${part}');\n`);
  }
  await cp(join(repositoryRoot, 'contracts'), join(root, 'contracts'), { recursive: true });
  await mkdir(join(root, 'gen'));
  await writeFile(join(root, 'gen', stampFileName), JSON.stringify({ contracts: hashContracts(join(root, 'contracts')) }));
});

afterAll(() => rm(root, { recursive: true, force: true }));

function npmStart(cwd: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('npm', ['start'], { cwd, encoding: 'utf8', env: cleanNpmEnv() });
}

const where = ['.', ...parts];

describe('the start scripts', () => {
  it.each(where)('start-%s-when-gen-matches-the-contracts', (dir) => {
    const result = npmStart(join(root, dir));
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(result.stdout).toContain(`entry ran: ${dir === '.' ? 'start.ts' : dir}`);
  });

  it('refuse-every-start-with-one-line-once-a-contract-changed', async () => {
    await appendFile(join(root, 'contracts/openapi/commands-service.yaml'), '# an edit nobody generated\n');
    for (const dir of where) {
      const result = npmStart(join(root, dir));
      expect(result.status).toBe(1);
      expect(result.stdout).not.toContain('entry ran');
      const guardLines = result.stderr.split('\n').filter((line) => line.startsWith('cannot start'));
      expect(guardLines).toEqual([
        'cannot start: gen/ was generated from other contracts than those in contracts/ (openapi/commands-service.yaml changed); run `npm run generate`',
      ]);
    }
  });
});
