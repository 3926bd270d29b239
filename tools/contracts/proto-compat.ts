/**
 * Compatibility of the working buf module with the released image.
 *
 * `buf breaking` is the authority, with the rules of the repository's buf.yaml (WIRE_JSON: wire
 * and JSON compatibility, since Connect clients may speak JSON). Its findings are breaking.
 * A descriptor diff of the two images then names every change, breaking or not. It adds one rule
 * of its own: WIRE_JSON does not cover deleted services and RPCs (buf files them under FILE and
 * PACKAGE), yet a client calling one gets UNIMPLEMENTED, so a removal is breaking here too.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bufBreakingExitCode, runBuf, runBufOrThrow } from './buf.ts';
import { createChangeSink, type Change } from './change.ts';
import { diffImages, readImage } from './descriptor-diff.ts';

export interface ProtoCompareOptions {
  /** Folder holding buf.yaml (the workspace whose breaking rules apply); buf runs there. */
  readonly root: string;
  /** The buf module of the working contracts. */
  readonly protoDir: string;
  /** The released image (`buf build -o <file>.binpb`). */
  readonly baselineImage: string;
}

interface BufFinding {
  readonly path?: string;
  readonly start_line?: number;
  readonly start_column?: number;
  readonly type?: string;
  readonly message?: string;
}

const removalRules = new Set(['SERVICE_NO_DELETE', 'RPC_NO_DELETE', 'PACKAGE_SERVICE_NO_DELETE']);

export async function compareProto(options: ProtoCompareOptions): Promise<Change[]> {
  const input = relative(options.root, options.protoDir) || '.';
  const sink = createChangeSink();

  const breaking = await runBuf(['breaking', input, '--against', options.baselineImage, '--error-format=json'], options.root);
  if (breaking.code !== 0 && breaking.code !== bufBreakingExitCode) {
    throw new Error(`cannot compare protobuf contracts: buf breaking exited with ${breaking.code}: ${breaking.stderr.trim() || breaking.stdout.trim()}`);
  }
  const findings = parseFindings(breaking.stdout);
  if (breaking.code === bufBreakingExitCode && findings.length === 0) {
    throw new Error(`cannot compare protobuf contracts: buf breaking reported breaking changes that could not be read: ${breaking.stdout.trim() || breaking.stderr.trim()}`);
  }
  for (const finding of findings) {
    const where = finding.path ? `${finding.path}:${finding.start_line ?? 0}:${finding.start_column ?? 0}` : undefined;
    // buf appends links to the protobuf docs to some messages; the rule id already says where to look.
    const message = (finding.message ?? 'breaking change').replace(/\s+See https?:\/\/.*$/s, '');
    sink.add('breaking', `buf ${finding.type ?? 'BREAKING'}: ${message}`, where);
  }
  const bufCoversRemovals = findings.some((finding) => removalRules.has(finding.type ?? ''));

  const staging = await mkdtemp(join(tmpdir(), 'contracts-proto-'));
  try {
    const current = join(staging, 'current.binpb');
    await runBufOrThrow(['build', input, '-o', current], options.root);
    const changes = diffImages(readImage(await readFile(options.baselineImage)), readImage(await readFile(current)));
    for (const change of changes) {
      const text = change.detail ? `${change.subject}: ${change.detail}` : `${change.subject} ${change.kind}`;
      if (change.kind === 'added') sink.add('non-breaking', text);
      else if (change.kind === 'removed' && (change.element === 'service' || change.element === 'rpc') && !bufCoversRemovals) {
        sink.add('breaking', `${text} (clients calling it get UNIMPLEMENTED)`);
      } else sink.add('note', text);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return sink.list();
}

function parseFindings(stdout: string): BufFinding[] {
  return stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as BufFinding);
}
