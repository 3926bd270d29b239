/**
 * A small kustomize, for CI machines without the kustomize binary: builds the same objects as
 * `kubectl kustomize` for the features k8s/ uses, and refuses any other feature (so a manifest
 * change that needs more fails loudly instead of rendering wrongly). The manifests test compares
 * its output with `kubectl kustomize` wherever kubectl is installed.
 *
 * Supported: resources (files and kustomization folders), namespace, images (newName, newTag),
 * replicas, configMapGenerator (literals; behavior create or merge; content-hash name suffix,
 * with references from pod templates renamed), patches (inline JSON 6902, target kind/name).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

interface Generated {
  readonly name: string;
  data: Record<string, string>;
  namespace?: string;
}

interface Built {
  readonly objects: KubeObject[];
  /** Generated ConfigMaps (names still without the hash suffix). */
  readonly configMaps: Generated[];
}

const supportedFields = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'replicas', 'configMapGenerator', 'patches']);

/** Kinds that are not namespaced among those we use. */
const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'IngressClass', 'CustomResourceDefinition']);

interface Kustomization {
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
  replicas?: { name: string; count: number }[];
  configMapGenerator?: { name: string; behavior?: 'create' | 'merge'; literals?: string[] }[];
  patches?: { target: { kind?: string; name?: string }; patch: string }[];
}

/** Renders the kustomization in `dir` like `kubectl kustomize dir`. */
export async function kustomize(dir: string): Promise<KubeObject[]> {
  const built = await build(dir);
  const renamed = new Map(built.configMaps.map((cm) => [cm.name, `${cm.name}-${configMapHash(cm.data)}`]));
  const configMaps: KubeObject[] = built.configMaps.map((cm) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: renamed.get(cm.name) ?? cm.name, ...(cm.namespace === undefined ? {} : { namespace: cm.namespace }) },
    data: cm.data,
  }));
  const objects = built.objects.map((object) => renameConfigMapReferences(object, renamed));
  return [...configMaps, ...objects];
}

async function build(dir: string): Promise<Built> {
  const file = join(dir, 'kustomization.yaml');
  const kustomization = parse(await readFile(file, 'utf8')) as Kustomization & Record<string, unknown>;
  const unsupported = Object.keys(kustomization).filter((key) => !supportedFields.has(key));
  if (unsupported.length > 0) throw new Error(`cannot render ${file}: unsupported fields ${unsupported.join(', ')}`);

  const objects: KubeObject[] = [];
  const configMaps: Generated[] = [];
  for (const resource of kustomization.resources ?? []) {
    const path = join(dir, resource);
    if ((await stat(path)).isDirectory()) {
      const nested = await build(path);
      objects.push(...nested.objects);
      configMaps.push(...nested.configMaps);
    } else {
      for (const document of parseAllDocuments(await readFile(path, 'utf8'))) {
        if (document.errors.length > 0) throw new Error(`cannot render ${path}: ${document.errors[0]?.message}`);
        const object = document.toJS({ maxAliasCount: -1 }) as KubeObject | null;
        if (object !== null) objects.push(structuredClone(object));
      }
    }
  }

  for (const generator of kustomization.configMapGenerator ?? []) {
    const data = Object.fromEntries(
      (generator.literals ?? []).map((literal) => {
        const at = literal.indexOf('=');
        if (at < 1) throw new Error(`cannot render ${file}: configMapGenerator ${generator.name} literal ${JSON.stringify(literal)} is not KEY=VALUE`);
        return [literal.slice(0, at), literal.slice(at + 1)];
      }),
    );
    const existing = configMaps.find((cm) => cm.name === generator.name);
    if ((generator.behavior ?? 'create') === 'merge') {
      if (!existing) throw new Error(`cannot render ${file}: configMapGenerator ${generator.name} merges into a ConfigMap no base generates`);
      existing.data = { ...existing.data, ...data };
    } else {
      if (existing) throw new Error(`cannot render ${file}: configMapGenerator ${generator.name} is generated twice`);
      configMaps.push({ name: generator.name, data });
    }
  }

  for (const object of objects) {
    if (kustomization.namespace && !clusterScoped.has(object.kind)) object.metadata.namespace = kustomization.namespace;
    for (const container of podContainers(object)) {
      const image = kustomization.images?.find((candidate) => imageName(String(container.image)) === candidate.name);
      if (image) container.image = `${image.newName ?? image.name}${image.newTag === undefined ? imageTag(String(container.image)) : `:${image.newTag}`}`;
    }
    const replicas = kustomization.replicas?.find((candidate) => candidate.name === object.metadata.name && ['Deployment', 'StatefulSet'].includes(object.kind));
    if (replicas) (object.spec as Record<string, unknown>).replicas = replicas.count;
    for (const patch of kustomization.patches ?? []) {
      if ((patch.target.kind === undefined || patch.target.kind === object.kind) && (patch.target.name === undefined || patch.target.name === object.metadata.name)) {
        applyJsonPatch(object, parse(patch.patch) as JsonPatchOperation[], `${file} patch on ${object.kind}/${object.metadata.name}`);
      }
    }
  }
  if (kustomization.namespace) for (const cm of configMaps) cm.namespace = kustomization.namespace;
  return { objects, configMaps };
}

/** Containers and init containers of a workload's pod template (or a Pod). */
export function podContainers(object: KubeObject): Record<string, unknown>[] {
  const spec = podSpec(object);
  if (!spec) return [];
  return [...((spec.initContainers as Record<string, unknown>[] | undefined) ?? []), ...((spec.containers as Record<string, unknown>[] | undefined) ?? [])];
}

/** The pod spec of a Pod, a workload's template, or a CronJob's job template. */
export function podSpec(object: KubeObject): Record<string, unknown> | undefined {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (object.kind === 'Pod') return spec;
  const template = spec.template as { spec?: Record<string, unknown> } | undefined;
  return template?.spec;
}

function imageName(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image;
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  return colon === -1 ? withoutDigest : withoutDigest.slice(0, colon);
}

function imageTag(image: string): string {
  return image.slice(imageName(image).length);
}

type JsonPatchOperation = { op: 'add' | 'remove' | 'replace'; path: string; value?: unknown };

function applyJsonPatch(target: unknown, operations: JsonPatchOperation[], where: string): void {
  for (const operation of operations) {
    const segments = operation.path
      .split('/')
      .slice(1)
      .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
    const key = segments.pop();
    if (key === undefined) throw new Error(`cannot apply ${where}: empty path`);
    let parent = target as Record<string, unknown> | unknown[];
    for (const segment of segments) {
      const next = Array.isArray(parent) ? parent[Number(segment)] : parent[segment];
      if (typeof next !== 'object' || next === null) throw new Error(`cannot apply ${where}: ${operation.path} does not exist`);
      parent = next as Record<string, unknown> | unknown[];
    }
    if (Array.isArray(parent)) {
      const index = key === '-' ? parent.length : Number(key);
      if (operation.op === 'add') parent.splice(index, 0, structuredClone(operation.value));
      else if (index >= parent.length) throw new Error(`cannot apply ${where}: ${operation.path} does not exist`);
      else if (operation.op === 'remove') parent.splice(index, 1);
      else parent[index] = structuredClone(operation.value);
      continue;
    }
    if (operation.op !== 'add' && !(key in parent)) throw new Error(`cannot apply ${where}: ${operation.path} does not exist`);
    if (operation.op === 'remove') delete parent[key];
    else if (operation.op === 'add' || operation.op === 'replace') parent[key] = structuredClone(operation.value);
    else throw new Error(`cannot apply ${where}: unsupported op ${String((operation as { op: unknown }).op)}`);
  }
}

/** Renames ConfigMap references in pod templates (envFrom, env valueFrom, volumes) to the hashed names. */
function renameConfigMapReferences(object: KubeObject, renamed: ReadonlyMap<string, string>): KubeObject {
  const spec = podSpec(object);
  if (!spec) return object;
  const rename = (holder: { name?: string } | undefined) => {
    if (holder?.name !== undefined && renamed.has(holder.name)) holder.name = renamed.get(holder.name);
  };
  for (const container of podContainers(object)) {
    for (const source of (container.envFrom as { configMapRef?: { name?: string } }[] | undefined) ?? []) rename(source.configMapRef);
    for (const variable of (container.env as { valueFrom?: { configMapKeyRef?: { name?: string } } }[] | undefined) ?? []) rename(variable.valueFrom?.configMapKeyRef);
  }
  for (const volume of (spec.volumes as { configMap?: { name?: string } }[] | undefined) ?? []) rename(volume.configMap);
  return object;
}

/**
 * kustomize's name suffix for a generated ConfigMap: sha256 of the JSON of {data, kind, name}
 * with an empty name (as kustomize hashes it, checked against kubectl kustomize), Go's encoding
 * (sorted keys; `<`, `>` and `&` escaped), first 10 hex digits with 0 1 3 a e replaced by g h k m t.
 */
export function configMapHash(data: Record<string, string>): string {
  const sortedData = Object.fromEntries(Object.keys(data).toSorted().map((key) => [key, data[key]]));
  const json = JSON.stringify({ data: sortedData, kind: 'ConfigMap', name: '' }).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  const hex = createHash('sha256').update(json).digest('hex').slice(0, 10);
  return hex.replace(/[013ae]/g, (c) => ({ '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' })[c as '0' | '1' | '3' | 'a' | 'e']);
}
