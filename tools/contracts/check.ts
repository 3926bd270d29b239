/**
 * `npm run contracts:check`: compares the working contracts with the released baseline in
 * contracts/released/ and fails when any change would break a consumer built against it.
 * Prints every change, grouped per contract, breaking ones first.
 *
 * Usage: node tools/contracts/check.ts [--root DIR]   (DIR: another checkout or a copy; default this repository)
 * Exit status: 0 compatible, 1 breaking changes, 2 the check could not run (no baseline, a
 * contract that does not parse, a hand-edited baseline, ...).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { compareAsyncapi } from './asyncapi-compat.ts';
import { countBreaking, type Change, type CheckResult, type ContractReport } from './change.ts';
import { diffDocuments, formatEdit } from './document-diff.ts';
import type { Json } from './json-ref.ts';
import { contractsLayout, listDocuments, listProtoFiles, releasedNames, type ContractsLayout } from './layout.ts';
import { compareOpenapi } from './openapi-compat.ts';
import { compareProto } from './proto-compat.ts';
import { readManifest, sha256, verifyReleasedFiles, type ReleaseManifest } from './release-manifest.ts';
export type { CheckResult } from './change.ts';
import { formatReport } from './report.ts';

export interface CheckOptions {
  /** Repository root (or a copy of one): buf.yaml, contracts/ and contracts/released/. */
  readonly root: string;
  /** The baseline to compare with. Default: `<root>/contracts/released`. */
  readonly releasedDir?: string;
}

export async function checkContracts(options: CheckOptions): Promise<CheckResult> {
  const layout = contractsLayout(options.root);
  const releasedDir = options.releasedDir ?? layout.releasedDir;
  const baseline = await readManifest(releasedDir);
  if (!baseline) {
    throw new Error(`cannot check contracts: no released baseline in ${relative(options.root, releasedDir) || releasedDir} (create one with \`npm run contracts:release -- 1.0.0\`)`);
  }
  const problems = await verifyReleasedFiles(releasedDir, baseline);
  if (problems.length > 0) {
    throw new Error(`cannot check contracts: the released baseline is damaged (${problems.join('; ')}); only \`npm run contracts:release\` may write there`);
  }
  const reports: ContractReport[] = [
    await checkProto(layout, releasedDir, baseline),
    ...(await checkDocuments(layout, releasedDir, 'openapi', compareOpenapi)),
    ...(await checkDocuments(layout, releasedDir, 'asyncapi', compareAsyncapi)),
  ];
  return { baseline, reports, breaking: countBreaking(reports) };
}

async function checkProto(layout: ContractsLayout, releasedDir: string, baseline: ReleaseManifest): Promise<ContractReport> {
  const source = relative(layout.root, layout.protoDir).replaceAll('\\', '/');
  const files = await listProtoFiles(layout.protoDir);
  const hashes = new Map<string, string>(await Promise.all(files.map(async (file): Promise<[string, string]> => [`${source}/${file}`, sha256(await readFile(join(layout.protoDir, file)))])));
  const released = Object.entries(baseline.sources).filter(([path]) => path.startsWith(`${source}/`));
  const unchanged = released.length === hashes.size && released.every(([path, hash]) => hashes.get(path) === hash);
  const changes: Change[] = [...(await compareProto({ root: layout.root, protoDir: layout.protoDir, baselineImage: join(releasedDir, releasedNames.image) }))];
  if (!unchanged && changes.length === 0) changes.push({ severity: 'note', message: 'proto sources edited without changing any definition (comments or formatting)', sites: [] });
  return { kind: 'proto', name: 'module', source, unchanged, changes, edits: [] };
}

async function checkDocuments(
  layout: ContractsLayout,
  releasedDir: string,
  kind: 'openapi' | 'asyncapi',
  compare: (before: Json, after: Json) => Change[],
): Promise<ContractReport[]> {
  const workingDir = kind === 'openapi' ? layout.openapiDir : layout.asyncapiDir;
  const baselineDir = join(releasedDir, releasedNames[kind]);
  const working = await listDocuments(workingDir);
  const released = await listDocuments(baselineDir);
  const reports: ContractReport[] = [];
  for (const file of [...new Set([...released, ...working])].toSorted()) {
    const name = file.replace(/\.ya?ml$/, '');
    const source = relative(layout.root, join(workingDir, file)).replaceAll('\\', '/');
    if (!working.includes(file)) {
      reports.push({ kind, name, source, unchanged: false, edits: [], changes: [{ severity: 'breaking', message: `contract ${source} removed`, sites: [] }] });
      continue;
    }
    if (!released.includes(file)) {
      reports.push({ kind, name, source, unchanged: false, edits: [], changes: [{ severity: 'non-breaking', message: `new contract ${source} (not in the baseline yet)`, sites: [] }] });
      continue;
    }
    const beforeText = await readFile(join(baselineDir, file), 'utf8');
    const afterText = await readFile(join(workingDir, file), 'utf8');
    if (beforeText === afterText) {
      reports.push({ kind, name, source, unchanged: true, edits: [], changes: [] });
      continue;
    }
    const before = parseDocument(beforeText, `released ${file}`);
    const after = parseDocument(afterText, source);
    reports.push({ kind, name, source, unchanged: false, changes: compare(before, after), edits: diffDocuments(before, after).map(formatEdit) });
  }
  return reports;
}

function parseDocument(text: string, what: string): Json {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new Error(`cannot check contracts: ${what} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new Error(`cannot check contracts: ${what} is not a YAML mapping`);
  return document as Json;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const rootFlag = args.indexOf('--root');
  const root = rootFlag >= 0 && args[rootFlag + 1] ? resolve(args[rootFlag + 1] ?? '') : resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  try {
    const result = await checkContracts({ root });
    console.log(formatReport(result));
    process.exitCode = result.breaking > 0 ? 1 : 0;
  } catch (error) {
    console.error(`contracts:check: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
