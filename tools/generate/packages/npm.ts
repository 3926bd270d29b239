/**
 * Running npm as a person would in a project of their own: from a test or a tool that itself runs
 * under `npm test` / `npm run`, whose npm exports its settings and this workspace's identity as
 * `npm_*` variables (local prefix, workspace, lifecycle event, ...). A nested npm would read those
 * and act on this repository instead of the folder it is run in.
 */
import { execFile } from 'node:child_process';

/** Settings a nested npm may keep: where the cache and the user's and global configuration live, and the registry. */
const kept = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig', 'npm_config_globalconfig']);

/** This process's environment without the `npm_*` variables a parent npm exported (but for `kept`). */
export function cleanNpmEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    const lower = name.toLowerCase();
    if (lower.startsWith('npm_') && !kept.has(lower)) continue;
    if (name === 'INIT_CWD') continue;
    clean[name] = value;
  }
  return clean;
}

/** Runs `npm <args>` in `cwd` with a clean environment; resolves with stdout, rejects with npm's output. */
export function runNpm(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('npm', [...args], { cwd, env: { ...cleanNpmEnv(), ...env }, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`cannot run npm ${args.join(' ')} in ${cwd}: ${`${stdout}\n${stderr}`.trim() || error.message}`, { cause: error }));
      else resolve(stdout);
    });
  });
}
