/**
 * Reading rendered manifests the way the kubelet and the API server would: object lookup,
 * label selection, container ports, and a container's environment resolved from ConfigMaps,
 * Secrets and `$(VAR)` references.
 */
import type { KubeObject } from './kustomize.ts';

export type Container = {
  name: string;
  image?: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
  volumeMounts?: { name: string; mountPath: string }[];
};

export type Probe = { httpGet?: { path: string; port: number | string }; grpc?: { port: number; service?: string }; tcpSocket?: { port: number | string }; exec?: unknown };

/** The pod spec of a Pod or of a workload's template. */
export function podSpec(object: KubeObject): Record<string, unknown> | undefined {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (!spec) return undefined;
  if (object.kind === 'Pod') return spec;
  return (spec.template as { spec?: Record<string, unknown> } | undefined)?.spec;
}

/** Containers and init containers of a workload's pod template (or a Pod). */
export function podContainers(object: KubeObject): Record<string, unknown>[] {
  const spec = podSpec(object);
  if (!spec) return [];
  return [...((spec.initContainers as Record<string, unknown>[] | undefined) ?? []), ...((spec.containers as Record<string, unknown>[] | undefined) ?? [])];
}

export const find = (objects: readonly KubeObject[], kind: string, name: string): KubeObject | undefined =>
  objects.find((object) => object.kind === kind && object.metadata.name === name);

export const ofKind = (objects: readonly KubeObject[], kind: string): KubeObject[] => objects.filter((object) => object.kind === kind);

export const containers = (object: KubeObject): Container[] => podContainers(object) as Container[];

export function mainContainers(object: KubeObject): Container[] {
  return ((podSpec(object)?.containers as Container[] | undefined) ?? []).slice();
}

export function templateLabels(object: KubeObject): Record<string, string> {
  return ((object.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata?.labels ?? {}) as Record<string, string>;
}

export type LabelSelector = { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** Whether `labels` satisfy a label selector (matchLabels and matchExpressions). */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((expression) => {
    const value = labels[expression.key];
    switch (expression.operator) {
      case 'In':
        return value !== undefined && (expression.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(expression.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
      default:
        throw new Error(`unknown selector operator ${expression.operator}`);
    }
  });
  return byLabels && byExpressions;
}

/** Workloads (Deployments, StatefulSets) whose pods a selector picks. */
export function selectedWorkloads(objects: readonly KubeObject[], selector: LabelSelector): KubeObject[] {
  return objects.filter((object) => ['Deployment', 'StatefulSet'].includes(object.kind) && selects(selector, templateLabels(object)));
}

/** The container port a probe or Service targets: a number, or a port name of the container. */
export function resolvePort(container: Container, port: number | string): number | undefined {
  if (typeof port === 'number') return (container.ports ?? []).some((candidate) => candidate.containerPort === port) ? port : undefined;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

export interface ResolvedEnv {
  readonly env: Record<string, string>;
  /** Problems found: missing ConfigMaps or keys, unknown Secrets, unresolved `$(VAR)`. */
  readonly problems: string[];
  /** `secret/key` pairs the container reads. */
  readonly secretKeys: string[];
}

/**
 * The environment the kubelet gives a container: envFrom first, then env in order, each value's
 * `$(VAR)` expanded from what is defined so far (`$$` escapes). Secret values are `placeholder(secret, key)`.
 */
export function resolveEnv(objects: readonly KubeObject[], container: Container, placeholder: (secret: string, key: string) => string, externalSecrets: readonly string[]): ResolvedEnv {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  const secretKeys: string[] = [];
  const configMap = (name: string) => find(objects, 'ConfigMap', name) as (KubeObject & { data?: Record<string, string> }) | undefined;
  const secret = (name: string, key: string | undefined) => {
    if (!externalSecrets.includes(name) && !find(objects, 'Secret', name)) problems.push(`Secret ${name} is neither rendered nor the documented external Secret`);
    if (key !== undefined) secretKeys.push(`${name}/${key}`);
  };
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) {
      const found = configMap(source.configMapRef.name);
      if (!found) problems.push(`envFrom ConfigMap ${source.configMapRef.name} does not exist`);
      Object.assign(env, found?.data ?? {});
    }
    if (source.secretRef) secret(source.secretRef.name, undefined);
  }
  for (const variable of container.env ?? []) {
    const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
    if (secretKeyRef) {
      secret(secretKeyRef.name, secretKeyRef.key);
      env[variable.name] = placeholder(secretKeyRef.name, secretKeyRef.key);
    } else if (configMapKeyRef) {
      const value = configMap(configMapKeyRef.name)?.data?.[configMapKeyRef.key];
      if (value === undefined) problems.push(`${variable.name}: ConfigMap ${configMapKeyRef.name} has no key ${configMapKeyRef.key}`);
      env[variable.name] = value ?? '';
    } else {
      let unresolved = false;
      const value = (variable.value ?? '').replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (match, name: string | undefined) => {
        if (name === undefined) return '$';
        unresolved ||= env[name] === undefined;
        return env[name] ?? match; // the kubelet leaves an unknown reference as it is
      });
      if (unresolved) problems.push(`${variable.name}: unresolved reference in ${JSON.stringify(variable.value)}`);
      env[variable.name] = value;
    }
  }
  return { env, problems, secretKeys };
}
