/**
 * The manifests as a cluster receives them: `kubectl kustomize <dir>` (kubectl ships kustomize;
 * .ci/provision makes sure kubectl is installed), parsed into objects for the checks.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

/** Renders the kustomization in `dir` with `kubectl kustomize`. */
export async function kustomize(dir: string): Promise<KubeObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 }).catch((error: unknown) => {
    throw new Error(`cannot render ${dir} with kubectl kustomize: ${String((error as { stderr?: string }).stderr || error)}`);
  });
  return parseAllDocuments(stdout)
    .map((document) => document.toJS({ maxAliasCount: -1 }) as KubeObject | null)
    .filter((object) => object !== null);
}
