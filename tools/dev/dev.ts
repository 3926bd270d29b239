/**
 * `npm run dev`: the platform as `npm start` runs it, kept current while you edit.
 *
 * - A contract edit (contracts/, not released/) regenerates what that kind of contract generates
 *   (`npm run generate <kind> packages`), then restarts the platform on the new gen/.
 * - A code edit (start.ts, added-services.ts, and each workspace's src/: runtime, the services,
 *   those added with `npm run new:service`, the gateway; not tests) or a change of gen/ made elsewhere restarts the platform.
 * - A restart is a clean stop (SIGTERM: drain, close, exit) and a new `npm start`, so the data in
 *   DATA_DIR (./data by default) stays. A generation that fails leaves the running platform alone
 *   and says so; the next save tries again.
 *
 * Every setting of `npm start` applies (GATEWAY_PORT, DATA_DIR, AMQP_URL, ...). Node's own
 * `fs.watch` does the watching; edits within 200 ms of each other count as one.
 * Usage: node tools/dev/dev.ts [--root DIR]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractKinds, kindOf, staleGeneratedCode } from '@platform/runtime/generated-code';
import type { ContractKind } from '@platform/runtime/generated-code';

/** Folders and files whose edits restart the platform, below the root: the launcher's files and every workspace's src/. */
export function codePaths(root: string): string[] {
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces?: string[] };
  return ['start.ts', 'added-services.ts', ...workspaces.map((workspace) => `${workspace}/src`)].filter((path) => existsSync(join(root, path)));
}
/** Edits that come this close together are handled as one. */
const settleMs = 200;

export interface DevLoopOptions {
  /** Repository root. */
  readonly root: string;
  /** Lines for people: what the loop does and why. Default: stderr with a `dev:` prefix. */
  readonly log?: (line: string) => void;
}

export interface DevLoop {
  /** Resolves once the platform was started the first time. */
  readonly started: Promise<void>;
  /** Stops watching and stops the platform; resolves when it exited. */
  stop(): Promise<void>;
}

/** What a batch of file events asks for: the kinds of contract to regenerate, the other files that changed. */
interface Pending {
  readonly kinds: Set<ContractKind>;
  readonly changed: Set<string>;
}

export function createDevLoop(options: DevLoopOptions): DevLoop {
  const { root } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`dev: ${line}\n`));
  const pending: Pending = { kinds: new Set(), changed: new Set() };
  let platform: ChildProcess | undefined;
  let generating = false;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let working: Promise<void> = Promise.resolve();

  const startPlatform = (): void => {
    const child = spawn(process.execPath, ['--import', join(root, 'runtime/src/generated-code/guard.ts'), join(root, 'start.ts')], { cwd: root, stdio: 'inherit' });
    platform = child;
    child.once('exit', (code, signal) => {
      if (platform === child) platform = undefined;
      if (!stopping && !child.killed) log(`the platform exited (${signal ?? `code ${code}`}); waiting for a change`);
    });
  };

  const stopPlatform = async (): Promise<void> => {
    const child = platform;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.kill('SIGTERM');
    await exited;
  };

  /** Runs the generator in a child process; resolves with whether it succeeded. */
  const generate = async (steps: readonly string[]): Promise<boolean> => {
    generating = true;
    try {
      const child = spawn(process.execPath, [join(root, 'tools/generate/index.ts'), ...steps], { cwd: root, stdio: 'inherit' });
      const code = await new Promise<number | null>((done) => child.once('exit', done));
      return code === 0;
    } finally {
      generating = false;
    }
  };

  const handle = async (): Promise<void> => {
    const kinds = [...pending.kinds];
    const reasons = [...pending.changed].map((path) => `${path} changed`);
    pending.kinds.clear();
    pending.changed.clear();
    if (kinds.length > 0) {
      // Steps in generation order; the packages follow whatever their contracts became.
      const steps = [...contractKinds.filter((kind) => kinds.includes(kind)), 'packages'];
      log(`${kinds.join(', ')} contract changed: npm run generate ${steps.join(' ')}`);
      if (await generate(steps)) reasons.unshift('gen/ regenerated');
      else log('generation failed: the platform keeps running on the previous contracts; fix the contract and save again');
    }
    if (reasons.length === 0 || stopping) return;
    log(`restarting the platform (${reasons.slice(0, 3).join(', ')}${reasons.length > 3 ? ', ...' : ''}; data stays)`);
    await stopPlatform();
    // Whatever changed until now is in what the new platform loads.
    pending.changed.clear();
    if (!stopping) startPlatform();
  };

  const schedule = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      working = working.then(handle, handle);
    }, settleMs);
  };

  const watchers: FSWatcher[] = [];
  const watchTree = (path: string, onChange: (file: string) => void): void => {
    const watcher = watch(join(root, path), { recursive: true }, (_event, file) => onChange(file === null ? '' : String(file)));
    watcher.on('error', (error) => log(`cannot watch ${path}: ${error.message}`));
    watchers.push(watcher);
  };

  const started = (async () => {
    const stale = staleGeneratedCode(root);
    if (stale !== undefined) {
      log(`${stale.replace(/^cannot start: /, '').replace(/; run `npm run generate`$/, '')}: generating`);
      if (!(await generate([]))) throw new Error('cannot start the dev loop: npm run generate failed');
    }
    watchTree('contracts', (file) => {
      const path = file.replaceAll('\\', '/');
      const kind = path.startsWith('released/') ? undefined : kindOf(path);
      if (kind === undefined) return;
      pending.kinds.add(kind);
      schedule();
    });
    for (const path of codePaths(root)) {
      watchTree(path, (file) => {
        if (file.endsWith('.test.ts')) return;
        // runtime/src/generated is written by `npm run generate`, like gen/.
        if (generating && path === 'runtime/src' && file.replaceAll('\\', '/').startsWith('generated/')) return;
        pending.changed.add(path.endsWith('.ts') ? path : `${path}/${file.replaceAll('\\', '/')}`);
        schedule();
      });
    }
    watchTree('gen', (file) => {
      if (generating) return;
      pending.changed.add(`gen/${file.replaceAll('\\', '/')}`);
      schedule();
    });
    startPlatform();
  })();

  return {
    started,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      await working;
      await stopPlatform();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const rootFlag = argv.indexOf('--root');
  const root = rootFlag >= 0 ? resolve(argv[rootFlag + 1] ?? '') : resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  const loop = createDevLoop({ root });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    void loop.stop().then(() => process.exit(0));
  };
  // The terminal's Ctrl-C reaches the platform too (same process group); stop() waits for it either way.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await loop.started.catch((error: unknown) => {
    process.stderr.write(`dev: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
