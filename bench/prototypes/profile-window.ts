/**
 * Self time by function of a V8 CPU profile within its last `ms` milliseconds (the loaded window of
 * a proxy prototype, without start-up and idle), with the share of busy time.
 * `node bench/prototypes/profile-window.ts <file.cpuprofile> <ms> [top=30]`
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const [file, windowMs, topArg] = process.argv.slice(2);
if (file === undefined || windowMs === undefined) throw new Error('usage: profile-window.ts <file.cpuprofile> <ms> [top]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; endTime: number; startTime: number };
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const from = profile.endTime - Number(windowMs) * 1000;
let time = profile.startTime;
const self = new Map<string, number>();
let busy = 0;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  time += profile.timeDeltas[i] ?? 0;
  const delta = profile.timeDeltas[i + 1] ?? 0;
  if (time < from) continue;
  const frame = byId.get(profile.samples[i] as number)?.callFrame;
  if (frame === undefined) continue;
  total += delta;
  if (frame.functionName === '(idle)') continue;
  busy += delta;
  const url = frame.url.replace(/^.*\/(node_modules\/(?:@[^/]+\/)?[^/]+|runtime\/src|gateway\/src|bench\/prototypes)\//, '$1/');
  const key = `${frame.functionName || '(anonymous)'} ${url}${url === '' ? '' : `:${frame.lineNumber + 1}`}`;
  self.set(key, (self.get(key) ?? 0) + delta);
}
console.log(`window ${(total / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms`);
for (const [key, value] of [...self].toSorted((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 30))) console.log(`${((value / busy) * 100).toFixed(1).padStart(5)} %  ${key}`);
