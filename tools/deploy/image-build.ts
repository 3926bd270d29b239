/**
 * Performs a stage of one of our Dockerfiles on this machine, without Docker: the build context
 * is the repository's files minus .dockerignore, the image's `/` is a temporary folder, RUN lines
 * run in `sh` there, and `COPY --from=<build stage>` reads the folder where that stage was
 * performed (or, without one, the repository's own generated files).
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, readdir, readFile, readlink, stat, symlink } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { createDockerignore, execForm, parseCopy, splitFlags } from './dockerfile.ts';
import type { Stage } from './dockerfile.ts';

const run = promisify(execFile);

/** Files of the build context: tracked and untracked-but-not-git-ignored files, minus .dockerignore. */
export async function contextFiles(repository: string): Promise<string[]> {
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repository, maxBuffer: 64 * 1024 * 1024 });
  const ignore = createDockerignore(await readFile(join(repository, '.dockerignore'), 'utf8'));
  const files = stdout.split('\0').filter((file) => file !== '' && !ignore.excluded(file));
  const present = await Promise.all(files.map(async (file) => ((await stat(join(repository, file)).catch(() => undefined))?.isFile() ? file : undefined)));
  return present.filter((file) => file !== undefined);
}

export interface AssembledImage {
  /** Host folder standing for the image's `/`. */
  readonly root: string;
  /** Host folder of the final WORKDIR. */
  readonly workdir: string;
  /** Image path of the final WORKDIR. */
  readonly imageWorkdir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly user: string | undefined;
  readonly cmd: readonly string[] | undefined;
  readonly exposed: readonly number[];
}

export interface AssembleOptions {
  readonly repository: string;
  /** The stage to perform (the final one). */
  readonly stage: Stage;
  /** Name of the stage `COPY --from` refers to, which is taken from the repository. */
  readonly buildStage: string;
  /** Build context files (from `contextFiles`). */
  readonly context: readonly string[];
  /** Host folder to use as the image's `/`. */
  readonly root: string;
  /** Extra arguments for every `npm ci` (e.g. `--prefer-offline`). */
  readonly npmCiArgs?: readonly string[];
  /**
   * Host folder standing for the build stage's `/` once that stage is done (awaited at the first
   * `COPY --from`). Default: the repository stands for the build stage's `/app`.
   */
  readonly buildStageRoot?: Promise<string>;
}

export async function assembleStage(options: AssembleOptions): Promise<AssembledImage> {
  const { repository, stage, buildStage, context, root, npmCiArgs = [], buildStageRoot } = options;
  let imageWorkdir = '/';
  const env: Record<string, string> = {};
  let user: string | undefined;
  let cmd: string[] | undefined;
  const exposed: number[] = [];
  const host = (imagePath: string) => join(root, posix.resolve(imageWorkdir, imagePath));

  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'WORKDIR':
        imageWorkdir = posix.resolve(imageWorkdir, instruction.args);
        await mkdir(host('.'), { recursive: true });
        break;
      case 'ENV': {
        for (const match of instruction.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[match[1] ?? ''] = (match[2] ?? '').replace(/^"|"$/g, '');
        break;
      }
      case 'USER':
        user = instruction.args;
        break;
      case 'CMD':
        cmd = execForm(instruction.args);
        break;
      case 'EXPOSE':
        exposed.push(...instruction.args.split(/\s+/).map((port) => Number.parseInt(port, 10)));
        break;
      case 'COPY': {
        const copy = parseCopy(instruction);
        const toDirectory = copy.destination.endsWith('/') || copy.sources.length > 1;
        for (const source of copy.sources) {
          const target = toDirectory ? posix.join(copy.destination, posix.basename(source)) : copy.destination;
          if (copy.from !== undefined) {
            if (copy.from !== buildStage) throw new Error(`line ${instruction.line}: COPY --from=${copy.from} is not the build stage ${buildStage}`);
            if (!source.startsWith('/app/')) throw new Error(`line ${instruction.line}: COPY --from=${copy.from} ${source} is not below the build stage's /app`);
            const built = buildStageRoot === undefined ? join(repository, source.slice('/app/'.length)) : join(await buildStageRoot, source);
            if (!(await stat(built).catch(() => undefined))) throw new Error(`line ${instruction.line}: ${built} does not exist (run npm run generate)`);
            await mkdir(dirname(host(target)), { recursive: true });
            await cp(built, host(target), { recursive: true, dereference: false, verbatimSymlinks: true });
            continue;
          }
          const clean = posix.normalize(source).replace(/\/+$/, '');
          const whole = clean === '.';
          const files = whole ? context : context.filter((file) => file === clean || file.startsWith(`${clean}/`));
          if (files.length === 0) throw new Error(`line ${instruction.line}: COPY source ${source} is not in the build context (missing or excluded by .dockerignore)`);
          for (const file of files) {
            const destination = whole ? host(posix.join(copy.destination, file)) : file === clean ? host(target) : host(posix.join(target, file.slice(clean.length + 1)));
            await mkdir(dirname(destination), { recursive: true });
            await cp(join(repository, file), destination);
          }
        }
        break;
      }
      case 'RUN': {
        const { rest } = splitFlags(instruction.args);
        const script = rest.replace(/\bnpm ci\b/g, ['npm ci', ...npmCiArgs].join(' '));
        await shell(script, host('.'), { ...process.env, ...env }, `line ${instruction.line}`);
        break;
      }
      default:
        break; // HEALTHCHECK, LABEL, ARG...: nothing to perform
    }
  }
  return { root, workdir: host('.'), imageWorkdir, env, user, cmd, exposed };
}

function shell(script: string, cwd: string, env: NodeJS.ProcessEnv, where: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => void (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${where}: RUN exited with ${code}:\n${script}\n${output.slice(-4000)}`))));
  });
}

/**
 * Performs the build stage's generation in a fresh copy of the build context: `npm run generate`
 * (what the root postinstall of the stage's `npm ci` runs) and `npm run build:parts`, with the repository's installed
 * packages linked in instead of a second full install (CI's own `npm ci` installs the same
 * lockfile). Proves the context (.dockerignore applied) holds everything generation reads.
 * Resolves to the host folder standing for the build stage's `/`.
 */
export async function generateInContextCopy(repository: string, context: readonly string[], root: string): Promise<string> {
  const app = join(root, 'app');
  for (const file of context) {
    await mkdir(dirname(join(app, file)), { recursive: true });
    await cp(join(repository, file), join(app, file));
  }
  await linkInstalledPackages(join(repository, 'node_modules'), join(app, 'node_modules'));
  for (const workspace of await workspaceFolders(repository)) {
    const nested = join(repository, workspace, 'node_modules');
    if (await stat(nested).catch(() => undefined)) await linkInstalledPackages(nested, join(app, workspace, 'node_modules'));
  }
  await shell('npm run generate && test -f gen/package.json && npm run build:parts', app, process.env, 'build stage (npm run generate, npm run build:parts)');
  return root;
}

async function workspaceFolders(repository: string): Promise<string[]> {
  const manifest = JSON.parse(await readFile(join(repository, 'package.json'), 'utf8')) as { workspaces?: string[] };
  return manifest.workspaces ?? [];
}

/** A node_modules folder whose entries link to `source`'s, except workspace links, which stay relative (so they point into the copy). */
export async function linkInstalledPackages(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    if (entry.isSymbolicLink() || entry.name === '@platform') {
      // Workspace links (node_modules/@platform/* -> ../../<workspace>) and bin links: same relative target.
      if (entry.isSymbolicLink()) await symlink(await readlink(from), join(target, entry.name));
      else await linkRelative(from, join(target, entry.name));
      continue;
    }
    await symlink(from, join(target, entry.name));
  }
}

async function linkRelative(source: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const from = join(source, entry.name);
    await symlink(entry.isSymbolicLink() ? await readlink(from) : from, join(target, entry.name));
  }
}
