/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `npm run bench -- --profile`): self time
 * by package and by function, and the busy time spent under chosen code (inclusive: a sample
 * counts when any frame on its stack has a URL containing the fragment, e.g. `node_modules/@mikro-orm`).
 * `node bench/profile-summary.ts <file.cpuprofile> [top=25] [URL fragment ...]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** `node_modules/<package>` (scoped too), `node:<internal>`, our folder, or `(program)`-style names. */
export function packageOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  if (url.startsWith('node:')) return url;
  const ours = /\/(runtime|platform-service|commands-service|gateway|gen|bench)\/(?:src\/)?([^/]+)/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byPackage: readonly (readonly [string, number])[];
  readonly byFunction: readonly (readonly [string, number])[];
  /** Busy (non-idle) sampled time. */
  readonly busyMs: number;
  readonly inclusive: readonly (readonly [string, number])[];
}

const sorted = (map: Map<string, number>): (readonly [string, number])[] => [...map].toSorted((a, b) => b[1] - a[1]);

/** Self time in ms per package and per function, largest first; busy time under each of `under` (URL fragments). */
export function summarise(profile: Profile, under: readonly string[] = []): ProfileSummary {
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let totalMs = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    totalMs += ms;
    const { functionName, url, lineNumber } = node.callFrame;
    const pkg = packageOf(url, functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + ms);
    const fn = `${functionName || '(anonymous)'} ${pkg} ${url.slice(url.lastIndexOf('/') + 1)}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  // Inclusive time: a sample counts once for a fragment found anywhere on its stack.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>(under.map((fragment) => [fragment, 0]));
  let busyMs = 0;
  for (const [id, ms] of self) {
    if (byId.get(id)?.callFrame.functionName === '(idle)') continue;
    busyMs += ms;
    for (const fragment of under) {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        if (byId.get(at)?.callFrame.url.includes(fragment)) {
          inclusive.set(fragment, (inclusive.get(fragment) ?? 0) + ms);
          break;
        }
      }
    }
  }
  return { totalMs, busyMs, byPackage: sorted(byPackage), byFunction: sorted(byFunction), inclusive: [...inclusive] };
}

if (import.meta.main) {
  const [file, topArg, ...under] = process.argv.slice(2);
  if (file === undefined) throw new Error('cannot summarise: usage profile-summary.ts <file.cpuprofile> [top] [function ...]');
  const top = Number(topArg ?? 25);
  const summary = summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, under);
  const pct = (ms: number): string => `${((ms / summary.totalMs) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms`;
  process.stdout.write(`total sampled ${summary.totalMs.toFixed(0)} ms\n\nself time by package\n`);
  for (const [name, ms] of summary.byPackage.slice(0, top)) process.stdout.write(`${pct(ms)}  ${name}\n`);
  process.stdout.write('\nself time by function\n');
  for (const [name, ms] of summary.byFunction.slice(0, top)) process.stdout.write(`${pct(ms)}  ${name}\n`);
  if (summary.inclusive.length > 0) {
    process.stdout.write(`\nbusy time under (of ${summary.busyMs.toFixed(0)} ms busy)\n`);
    for (const [name, ms] of summary.inclusive) process.stdout.write(`${((ms / summary.busyMs) * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(7)} ms  ${name}\n`);
  }
}
