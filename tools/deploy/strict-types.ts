/**
 * Strict schema check of rendered objects: kubernetes-models' JSON schemas accept unknown fields
 * (a misspelled `readinesProbe` would pass), so each object is also written as a TypeScript object
 * literal that must satisfy the kubernetes-models interface of its kind, and the TypeScript compiler
 * reports any property the Kubernetes API does not define (excess property check) or any wrong type.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeObject } from './kustomize.ts';

const run = promisify(execFile);

/** The module and interface kubernetes-models declares an object's kind in. */
export function modelModule(object: Pick<KubeObject, 'apiVersion' | 'kind'>): { specifier: string; interfaceName: string } {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [undefined, object.apiVersion];
  return { specifier: `kubernetes-models/${group === undefined ? '' : `${group}/`}${version}/${object.kind}`, interfaceName: `I${object.kind}` };
}

/** Type-checks `objects` against the Kubernetes API types; resolves to the compiler's error lines (empty when all fit). */
export async function typecheckObjects(repository: string, objects: readonly KubeObject[]): Promise<string[]> {
  const scratchRoot = join(repository, 'test-artifacts');
  await mkdir(scratchRoot, { recursive: true });
  // Inside the repository so that `kubernetes-models` resolves from its node_modules.
  const dir = await mkdtemp(join(scratchRoot, 'k8s-types-'));
  try {
    const imports = new Map<string, string>();
    const lines = objects.map((object, index) => {
      const { specifier, interfaceName } = modelModule(object);
      const alias = `${interfaceName}_${imports.size}`;
      if (!imports.has(specifier)) imports.set(specifier, `import type { ${interfaceName} as ${alias} } from '${specifier}';`);
      const imported = (imports.get(specifier) ?? '').replace(/^.* as (\S+) }.*$/, '$1');
      return `// ${object.kind}/${object.metadata.name}\nexport const object${index} = ${JSON.stringify(object, null, 2)} satisfies ${imported};`;
    });
    await writeFile(join(dir, 'objects.ts'), `${[...imports.values()].join('\n')}\n\n${lines.join('\n\n')}\n`);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2023', skipLibCheck: true, types: [] },
        files: ['objects.ts'],
      }),
    );
    const tsc = join(repository, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    return result.split('\n').filter((line) => line.includes('error'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
