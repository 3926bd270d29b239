/**
 * Medians of `proxy-measure.sh` output (TSV: round variant requests non2xx service_us proxy_us), as
 * a Markdown table. Per round, direct is the mean of its two direct runs; per variant and round the
 * ratio is direct ÷ (proxy + service behind the proxy), what one core gives through the proxy
 * relative to the service alone, and proxy ÷ direct is the proxy's cost in units of the service.
 * `node bench/prototypes/proxy-table.ts <file.tsv> [...]`
 */
import { readFileSync } from 'node:fs';

const median = (values: number[]): number => {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const direct = new Map<string, number[]>();
const runs: Array<{ round: string; variant: string; service: number; proxy: number; bad: number }> = [];
for (const [index, file] of process.argv.slice(2).entries()) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [round, variant, requests, bad, service, proxy] = line.split('\t');
    if (Number(requests) === 0) continue;
    if (round === undefined || variant === undefined || service === undefined || proxy === undefined || !/^\d+$/.test(round)) continue;
    const key = `${index}/${round}`;
    if (variant === 'direct') direct.set(key, [...(direct.get(key) ?? []), Number(service)]);
    else runs.push({ round: key, variant, service: Number(service), proxy: Number(proxy), bad: Number(bad) });
  }
}
const directOf = (round: string): number => {
  const values = direct.get(round) ?? [];
  return values.reduce((sum, value) => sum + value, 0) / values.length;
};
const rows = [`| variant | rounds | service direct µs | proxy µs | service behind proxy µs | proxy ÷ direct | direct ÷ (proxy + service) |`, '| --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
rows.push(`| direct | ${direct.size} | ${median([...direct.keys()].map(directOf)).toFixed(1)} | | | | 1.00 |`);
for (const variant of new Set(runs.map((run) => run.variant))) {
  const mine = runs.filter((run) => run.variant === variant && run.bad === 0);
  const ratios = mine.map((run) => directOf(run.round) / (run.proxy + run.service));
  rows.push(
    `| ${variant} | ${mine.length} | ${median(mine.map((run) => directOf(run.round))).toFixed(1)} | ${median(mine.map((run) => run.proxy)).toFixed(1)} | ${median(mine.map((run) => run.service)).toFixed(1)} | ` +
      `${median(mine.map((run) => run.proxy / directOf(run.round))).toFixed(2)} | ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}) |`,
  );
}
console.log(rows.join('\n'));
