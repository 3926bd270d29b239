/**
 * The Kubernetes manifests, checked without a cluster: both overlays render (`kubectl kustomize`),
 * every object validates against the
 * Kubernetes API schemas (kubernetes-models), and the objects fit together and fit the code:
 * selectors, ports, probes, environment (each part's own config loader accepts it), Secrets.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsPath } from '@platform/runtime/observability';
import { healthPaths } from '@platform/runtime/rest';
import { loadConfig as loadPlatformConfig } from '../../platform-service/src/config.ts';
import { kustomize } from './kustomize.ts';
import type { KubeObject } from './kustomize.ts';
import { containers, find, mainContainers, ofKind, resolveEnv, resolvePort, selectedWorkloads, selects, templateLabels } from './manifests.ts';
import type { Container, LabelSelector } from './manifests.ts';
import { readApiRoutes } from '../../gateway/src/api-routes.ts';
import { ingressFile, ingressPaths, renderIngress } from './ingress-routes.ts';
import { imageParts, migratedServices, partDockerfile, repositoryRoot } from './services.ts';
import { modelModule, typecheckObjects } from './strict-types.ts';

const overlays = ['dev', 'prod'] as const;
/** Every part compose.yaml builds from the Dockerfile: the platform's three and any added with `npm run new:service`. */
const parts = (await imageParts()).map(({ part }) => part);
type Part = string;
/** The parts with a database (SQL Server in the cluster). */
const withDatabase = migratedServices.map((service) => service.name).toSorted();

/** The one Secret people create by hand (README.md, "Deploy to Kubernetes"), and the keys each overlay's manifests read. */
const externalSecret = 'platform-secrets';
const externalSecretKeys = {
  dev: ['mssql-sa-password', 'rabbitmq-password'],
  // The RabbitMQ cluster's nodes share an Erlang cookie.
  prod: ['mssql-sa-password', 'rabbitmq-erlang-cookie', 'rabbitmq-password'],
};
/** Settings that name the identity provider, which lives outside the cluster (README.md, "Who may write"). */
const identityProviderSettings = ['AUTH_JWKS_URL', 'AUTH_ISSUER'];
/** URL-safe stand-ins for secret values, so connection URLs built from them parse. */
const placeholder = (_secret: string, key: string) => `placeholder-${key}`;

const routes = readApiRoutes(join(repositoryRoot, 'contracts'));

describe('k8s/base/ingress.yaml', () => {
  it('routes exactly the API prefixes of contracts/openapi, as the gateway does (else run npm run k8s:routes)', async () => {
    const text = await readFile(ingressFile, 'utf8');
    expect(renderIngress(text, routes)).toBe(text);
    expect(routes.map((route) => [route.service, route.prefixes])).toEqual(expect.arrayContaining([
      ['commands-service', ['/api/c/platforms']],
      ['platform-service', ['/api/platforms']],
    ]));
  });
});

const rendered = Object.fromEntries(
  await Promise.all(overlays.map(async (overlay) => [overlay, await kustomize(join(repositoryRoot, 'k8s', 'overlays', overlay))] as const)),
) as Record<(typeof overlays)[number], KubeObject[]>;

const deployment = (objects: KubeObject[], part: Part): KubeObject => {
  const found = find(objects, 'Deployment', part);
  if (!found) throw new Error(`no Deployment ${part}`);
  return found;
};
const mainContainer = (objects: KubeObject[], part: Part): Container => {
  const found = mainContainers(deployment(objects, part)).find((container) => container.name === part);
  if (!found) throw new Error(`Deployment ${part} has no container ${part}`);
  return found;
};

/** The part's own configuration loader, run on the environment its Deployment gives it. */
const loaders: Record<Part, (env: Record<string, string>) => { httpPort: number }> = Object.fromEntries(
  await Promise.all(parts.map(async (part) => [part, ((await import(join(repositoryRoot, part, 'src', 'config.ts'))) as { loadConfig: (env: Record<string, string>) => { httpPort: number } }).loadConfig] as const)),
);
const loader = (part: Part) => {
  const found = loaders[part];
  if (!found) throw new Error(`${part} has no src/config.ts loadConfig`);
  return found;
};

/** Loads the kubernetes-models class for an object's apiVersion and kind. */
async function modelFor(object: KubeObject): Promise<{ validate(): void }> {
  const module = (await import(modelModule(object).specifier)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[object.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${object.apiVersion} ${object.kind}`);
  return new Model(object);
}

describe.each(overlays)('overlay %s', (overlay) => {
  const objects = rendered[overlay];

  const names = (kind: string) => ofKind(objects, kind).map((object) => object.metadata.name).toSorted();

  it('renders the platform: a Deployment per part, two StatefulSets, Services, Ingresses, ConfigMaps, and no Secret', () => {
    expect(names('Deployment')).toEqual(parts.toSorted());
    expect(names('StatefulSet')).toEqual(['mssql', 'rabbitmq']);
    expect(names('Service')).toEqual([...parts, 'mssql', 'rabbitmq', ...(overlay === 'prod' ? ['rabbitmq-nodes'] : [])].toSorted());
    expect(names('Ingress')).toEqual(['api', 'grpc']);
    expect(names('PodDisruptionBudget')).toEqual([...parts, ...(overlay === 'prod' ? ['rabbitmq'] : [])].toSorted());
    expect(names('ServiceAccount')).toEqual(overlay === 'prod' ? ['rabbitmq'] : []);
    expect(names('NetworkPolicy')).toEqual(['mssql', 'rabbitmq']);
    expect(names('HorizontalPodAutoscaler')).toEqual(overlay === 'prod' ? parts.toSorted() : []);
    expect(names('Secret')).toEqual([]);
  });

  it('validates every object against the Kubernetes API schemas', async () => {
    const invalid: string[] = [];
    for (const object of objects) {
      try {
        (await modelFor(object)).validate();
      } catch (error) {
        invalid.push(`${object.kind}/${object.metadata.name}: ${String(error)}`);
      }
    }
    expect(invalid).toEqual([]);
  });

  it('uses only fields the Kubernetes API defines, with their types (strict: no misspelled field passes)', async () => {
    expect(await typecheckObjects(repositoryRoot, objects)).toEqual([]);
  });

  it('selects with labels that exist: workloads, Services, PodDisruptionBudgets, NetworkPolicies, HPAs', () => {
    const problems: string[] = [];
    for (const workload of [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')]) {
      const selector = (workload.spec as { selector: LabelSelector }).selector;
      if (!selects(selector, templateLabels(workload))) problems.push(`${workload.kind}/${workload.metadata.name} selector does not match its pod labels`);
    }
    for (const kind of ['Service', 'PodDisruptionBudget']) {
      for (const object of ofKind(objects, kind)) {
        const spec = object.spec as { selector: LabelSelector | Record<string, string> };
        const selector = kind === 'Service' ? { matchLabels: spec.selector as Record<string, string> } : (spec.selector as LabelSelector);
        if (selectedWorkloads(objects, selector).length !== 1) problems.push(`${kind}/${object.metadata.name} does not select exactly one workload`);
      }
    }
    for (const policy of ofKind(objects, 'NetworkPolicy')) {
      if (selectedWorkloads(objects, (policy.spec as { podSelector: LabelSelector }).podSelector).length === 0) problems.push(`NetworkPolicy/${policy.metadata.name} selects no pods`);
    }
    for (const hpa of ofKind(objects, 'HorizontalPodAutoscaler')) {
      const target = (hpa.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      if (!find(objects, target.kind, target.name)) problems.push(`HorizontalPodAutoscaler/${hpa.metadata.name} scales a missing ${target.kind}/${target.name}`);
    }
    expect(problems).toEqual([]);
  });

  it('points every Service port at a container port of the selected pods', () => {
    const problems: string[] = [];
    for (const service of ofKind(objects, 'Service')) {
      const spec = service.spec as { selector: Record<string, string>; ports: { name: string; port: number; targetPort?: number | string }[]; type?: string; clusterIP?: string };
      const [workload] = selectedWorkloads(objects, { matchLabels: spec.selector });
      for (const port of spec.ports) {
        const target = port.targetPort ?? port.port;
        if (!workload || !containers(workload).some((container) => resolvePort(container, target) !== undefined)) problems.push(`Service/${service.metadata.name} port ${port.name} -> ${target}`);
      }
    }
    expect(problems).toEqual([]);
    expect(parts.map((part) => (find(objects, 'Service', part)?.spec as { type?: string } | undefined)?.type)).toEqual(parts.map(() => 'ClusterIP'));
  });

  it('routes the API paths the contracts declare (npm run k8s:routes), to Service ports that exist, gRPC to the gRPC port', () => {
    const backends = (name: string) =>
      ((find(objects, 'Ingress', name)?.spec as { rules: { http: { paths: { path: string; backend: { service: { name: string; port: { name?: string; number?: number } } } }[] } }[] } | undefined)?.rules ?? []).flatMap(
        (rule) => rule.http.paths.map((path) => ({ path: path.path, service: path.backend.service.name, port: path.backend.service.port.name ?? path.backend.service.port.number })),
      );
    const api = backends('api');
    expect(api).toEqual(ingressPaths(routes).map(({ path, backend }) => ({ path, service: backend.service.name, port: 'http' })));
    const grpc = backends('grpc');
    expect(grpc.map((backend) => backend.path)).toEqual(['/platforms.v1.PlatformService', '/grpc.health.v1.Health', '/grpc.reflection.v1.ServerReflection', '/grpc.reflection.v1alpha.ServerReflection']);
    expect(new Set(grpc.map((backend) => `${backend.service}:${backend.port}`))).toEqual(new Set(['platform-service:grpc']));
    expect(find(objects, 'Ingress', 'grpc')?.metadata.annotations?.['nginx.ingress.kubernetes.io/backend-protocol']).toBe('GRPC');
    for (const ingress of ofKind(objects, 'Ingress')) expect((ingress.spec as { ingressClassName?: string }).ingressClassName).toBe('nginx');
    const servicePorts = (name: string) => (find(objects, 'Service', name)?.spec as { ports: { name: string; port: number }[] } | undefined)?.ports ?? [];
    const dangling = [...api, ...grpc].filter((backend) => !servicePorts(backend.service).some((port) => port.name === backend.port || port.port === backend.port));
    expect(dangling).toEqual([]);
  });

  describe.each(parts)('%s', (part) => {
    const container = mainContainer(objects, part);
    const resolved = resolveEnv(objects, container, placeholder, [externalSecret]);

    it('gets an environment its configuration loader accepts, with every reference resolved', () => {
      expect(resolved.problems).toEqual([]);
      expect(() => loader(part)(resolved.env)).not.toThrow();
      expect(resolved.env.NODE_ENV).toBe('production');
    });

    it('listens where its ports, Service and probes say', () => {
      const config = loader(part)(resolved.env);
      expect(resolvePort(container, 'http')).toBe(config.httpPort);
      const probes = [container.startupProbe, container.livenessProbe, container.readinessProbe];
      expect(probes.every((probe) => probe !== undefined)).toBe(true);
      expect(container.readinessProbe?.httpGet?.path).toBe(healthPaths.ready);
      const httpProbes = probes.flatMap((probe) => (probe?.httpGet ? [probe.httpGet] : []));
      expect(httpProbes.every((probe) => Object.values(healthPaths).includes(probe.path as never) && resolvePort(container, probe.port) === config.httpPort)).toBe(true);
      expect(httpProbes.some((probe) => probe.path === healthPaths.alive)).toBe(true);
    });

    it('is annotated for Prometheus to scrape /metrics on its HTTP port', () => {
      const config = loader(part)(resolved.env);
      const workload = find(objects, 'Deployment', part);
      const annotations = (workload?.spec as { template?: { metadata?: { annotations?: Record<string, string> } } } | undefined)?.template?.metadata?.annotations ?? {};
      expect(annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(config.httpPort), 'prometheus.io/path': metricsPath });
    });

    it('is reached only through in-cluster Services: every URL in its environment names a Service and one of its ports (the identity provider aside)', () => {
      const wrong = Object.entries(resolved.env)
        .filter(([name]) => !identityProviderSettings.includes(name))
        .filter(([, value]) => /^[a-z][a-z0-9+.-]*:\/\//i.test(value) && URL.canParse(value))
        .filter(([, value]) => {
          const url = new URL(value);
          const ports = (find(objects, 'Service', url.hostname)?.spec as { ports: { port: number }[] } | undefined)?.ports ?? [];
          const port = url.port === '' ? { 'http:': 80, 'https:': 443 }[url.protocol] : Number(url.port);
          return !ports.some((candidate) => candidate.port === port);
        })
        .map(([name, value]) => `${name}=${value}`);
      expect(wrong).toEqual([]);
    });

    it('runs restricted: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp, a /tmp volume, requests and limits', () => {
      const pod = (deployment(objects, part).spec as { template: { spec: { securityContext: Record<string, unknown>; automountServiceAccountToken?: boolean } } }).template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const each of containers(deployment(objects, part))) {
        expect(each.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(each.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        expect(Object.keys(each.resources?.requests ?? {}).toSorted()).toEqual(['cpu', 'memory']);
        expect(Object.keys(each.resources?.limits ?? {}).toSorted()).toEqual(['cpu', 'memory']);
      }
    });

    it(`uses the contract-first/${part} image with the overlay's tag, exposing what the Dockerfile exposes`, async () => {
      const tag = overlay === 'dev' ? 'dev' : '0.1.0';
      for (const each of containers(deployment(objects, part))) expect(each.image).toBe(`contract-first/${part}:${tag}`);
      const dockerfile = await partDockerfile(part);
      const exposed = dockerfile.stages.at(-1)?.instructions.filter((instruction) => instruction.keyword === 'EXPOSE').flatMap((instruction) => instruction.args.split(/\s+/).map(Number));
      expect((container.ports ?? []).map((port) => port.containerPort)).toEqual(exposed);
    });
  });

  it('serves gRPC health to the native probe on the gRPC port of platform-service', () => {
    const container = mainContainer(objects, 'platform-service');
    const config = loadPlatformConfig(resolveEnv(objects, container, placeholder, [externalSecret]).env);
    expect(container.livenessProbe?.grpc?.port).toBe(config.grpcPort);
    expect(resolvePort(container, 'grpc')).toBe(config.grpcPort);
    expect(config.database.driver).toBe('mssql');
    expect(config.seedData).toBe(overlay === 'dev');
  });

  it.each(['platform-service', 'commands-service'] as const)('gives %s the issuer settings from the overlay, so it checks tokens', (part) => {
    const config = loader(part)(resolveEnv(objects, mainContainer(objects, part), placeholder, [externalSecret]).env) as { auth?: { jwksUrl: string; issuer: string; audience: string } };
    expect(config.auth).toMatchObject({ jwksUrl: expect.stringMatching(/^https:\/\//), issuer: expect.any(String), audience: 'contract-first-platform' });
    expect(ofKind(objects, 'ConfigMap').some((map) => map.metadata.name.startsWith('auth-config-'))).toBe(true);
  });

  it.each(withDatabase)('runs %s migrations in an init container with the same environment, before the service', async (part) => {
    const spec = (deployment(objects, part).spec as { template: { spec: { initContainers?: Container[] } } }).template.spec;
    const [migrate] = spec.initContainers ?? [];
    expect(migrate?.command).toEqual(['node', 'src/migrate.ts']);
    expect(migrate?.image).toBe(mainContainer(objects, part).image);
    expect(migrate?.env).toEqual(mainContainer(objects, part).env);
    expect(migrate?.envFrom).toEqual(mainContainer(objects, part).envFrom);
    await expect(access(join(repositoryRoot, part, 'src', 'migrate.ts'))).resolves.toBeUndefined();
  });

  it('meets the restricted Pod Security Standard in every pod, RabbitMQ and SQL Server included (prod enforces it)', () => {
    const allowedVolumes = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
    const violations: string[] = [];
    for (const workload of [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')]) {
      const pod = (workload.spec as { template: { spec: { securityContext?: Record<string, unknown>; volumes?: Record<string, unknown>[]; hostNetwork?: boolean } } }).template.spec;
      const where = `${workload.kind}/${workload.metadata.name}`;
      if (pod.securityContext?.runAsNonRoot !== true) violations.push(`${where}: runAsNonRoot`);
      if ((pod.securityContext?.seccompProfile as { type?: string } | undefined)?.type !== 'RuntimeDefault') violations.push(`${where}: seccompProfile`);
      if (pod.securityContext?.runAsUser === 0) violations.push(`${where}: runAsUser 0`);
      if (pod.hostNetwork) violations.push(`${where}: hostNetwork`);
      for (const volume of pod.volumes ?? []) {
        const types = Object.keys(volume).filter((key) => key !== 'name');
        if (!types.every((type) => allowedVolumes.has(type))) violations.push(`${where}: volume ${String(volume.name)} of type ${types.join()}`);
      }
      for (const container of containers(workload)) {
        const security = container.securityContext as { allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[]; add?: string[] }; privileged?: boolean } | undefined;
        if (security?.allowPrivilegeEscalation !== false) violations.push(`${where}/${container.name}: allowPrivilegeEscalation`);
        if (!security?.capabilities?.drop?.includes('ALL')) violations.push(`${where}/${container.name}: capabilities.drop ALL`);
        if ((security?.capabilities?.add ?? []).some((capability) => capability !== 'NET_BIND_SERVICE')) violations.push(`${where}/${container.name}: capabilities.add`);
        if (security?.privileged) violations.push(`${where}/${container.name}: privileged`);
        if (!container.resources?.requests || !container.resources.limits) violations.push(`${where}/${container.name}: requests and limits`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('lets only the services with a database reach SQL Server, the two platform services RabbitMQ (and, in a cluster, the RabbitMQ nodes each other on the cluster ports only)', () => {
    const pods = [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')];
    type Rule = { from: { podSelector: LabelSelector }[]; ports: { port: number }[] };
    const allowedFrom = (target: string, port: number) => {
      const policies = ofKind(objects, 'NetworkPolicy').filter((policy) => selects((policy.spec as { podSelector: LabelSelector }).podSelector, templateLabels(find(objects, 'StatefulSet', target) as KubeObject)));
      const rules = policies.flatMap((policy) => (policy.spec as { ingress: Rule[] }).ingress).filter((rule) => rule.ports.some((candidate) => candidate.port === port));
      const peers = rules.flatMap((rule) => rule.from);
      return pods.filter((pod) => peers.some((peer) => selects(peer.podSelector, templateLabels(pod)))).map((pod) => pod.metadata.name).toSorted();
    };
    expect(allowedFrom('mssql', 1433)).toEqual(withDatabase);
    expect(allowedFrom('rabbitmq', 5672)).toEqual(['commands-service', 'platform-service']);
    expect(allowedFrom('rabbitmq', 15672)).toEqual(['commands-service', 'platform-service']);
    for (const clusterPort of [4369, 25672]) expect(allowedFrom('rabbitmq', clusterPort)).toEqual(overlay === 'prod' ? ['rabbitmq'] : []);
  });

  it('reads secrets only from the one documented Secret, which the README tells how to create', async () => {
    const workloads = [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')];
    const fromEnv = workloads.flatMap((workload) => containers(workload).flatMap((container) => resolveEnv(objects, container, placeholder, [externalSecret]).secretKeys));
    type SecretVolume = { secret?: { secretName: string; items?: { key: string }[] } };
    const volumes = workloads.flatMap((workload) => ((workload.spec as { template: { spec: { volumes?: SecretVolume[] } } }).template.spec.volumes ?? []).flatMap((volume) => (volume.secret ? [volume.secret] : [])));
    // A secret volume names its keys: a whole Secret mounted would hand every key to the pod.
    expect(volumes.every((volume) => volume.secretName === externalSecret && (volume.items ?? []).length > 0)).toBe(true);
    const fromVolumes = volumes.flatMap((volume) => (volume.items ?? []).map((item) => `${volume.secretName}/${item.key}`));
    expect([...new Set([...fromEnv, ...fromVolumes])].toSorted()).toEqual(externalSecretKeys[overlay].map((key) => `${externalSecret}/${key}`));
    const readme = await readFile(join(repositoryRoot, 'README.md'), 'utf8');
    expect(readme).toContain(`kubectl create secret generic ${externalSecret}`);
    for (const key of externalSecretKeys[overlay]) expect(readme).toContain(`--from-literal=${key}=`);
  });
});

describe('overlay prod: scaled out', () => {
  const objects = rendered.prod;
  type PodSpec = {
    affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: AffinityTerm[]; preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: AffinityTerm }[] } };
    topologySpreadConstraints?: { topologyKey: string; maxSkew: number; labelSelector: LabelSelector }[];
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
    initContainers?: Container[];
  };
  type AffinityTerm = { topologyKey: string; labelSelector: LabelSelector };
  const pod = (workload: KubeObject): PodSpec => (workload.spec as { template: { spec: PodSpec } }).template.spec;
  const rabbitmq = find(objects, 'StatefulSet', 'rabbitmq') as KubeObject;
  const rabbitmqSpec = rabbitmq.spec as { replicas: number; serviceName: string; podManagementPolicy?: string; volumeClaimTemplates: { metadata: { name: string } }[] };
  const nodeLabels = templateLabels(rabbitmq);

  it('spreads-the-replicas-of-each-part-over-nodes-and-zones', () => {
    for (const part of parts) {
      const spec = pod(deployment(objects, part));
      const labels = templateLabels(deployment(objects, part));
      const preferred = spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
      expect(preferred.some((term) => term.podAffinityTerm.topologyKey === 'kubernetes.io/hostname' && selects(term.podAffinityTerm.labelSelector, labels))).toBe(true);
      expect((spec.topologySpreadConstraints ?? []).some((constraint) => constraint.topologyKey === 'topology.kubernetes.io/zone' && selects(constraint.labelSelector, labels))).toBe(true);
    }
  });

  it('runs-rabbitmq-as-three-nodes-on-three-kubernetes-nodes-with-persistent-volumes-and-a-pdb-that-keeps-a-quorum', () => {
    expect(rabbitmqSpec.replicas).toBe(3);
    expect(rabbitmqSpec.podManagementPolicy).toBe('Parallel');
    expect(rabbitmqSpec.volumeClaimTemplates.map((claim) => claim.metadata.name)).toEqual(['data']);
    expect(containers(rabbitmq).find((container) => container.name === 'rabbitmq')?.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/rabbitmq' });
    const required = pod(rabbitmq).affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
    expect(required.some((term) => term.topologyKey === 'kubernetes.io/hostname' && selects(term.labelSelector, nodeLabels))).toBe(true);
    const budget = find(objects, 'PodDisruptionBudget', 'rabbitmq')?.spec as { minAvailable?: number; maxUnavailable?: number; selector: LabelSelector };
    expect(selects(budget.selector, nodeLabels)).toBe(true);
    // A majority of the three nodes stays up: quorum queues keep serving through any voluntary disruption.
    expect(budget).toMatchObject({ minAvailable: Math.floor(rabbitmqSpec.replicas / 2) + 1 });
    expect(budget.maxUnavailable).toBeUndefined();
    expect(containers(rabbitmq).find((container) => container.name === 'rabbitmq')).toMatchObject({ lifecycle: { preStop: { exec: { command: ['rabbitmq-upgrade', 'await_online_quorum_plus_one', '-t', '540'] } } } });
  });

  it('clusters-rabbitmq-by-kubernetes-peer-discovery-through-a-headless-service-and-rbac', () => {
    const headless = find(objects, 'Service', rabbitmqSpec.serviceName)?.spec as { clusterIP?: string; publishNotReadyAddresses?: boolean; selector: Record<string, string>; ports: { name: string }[] };
    expect(rabbitmqSpec.serviceName).toBe('rabbitmq-nodes');
    expect(headless).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(selects({ matchLabels: headless.selector }, nodeLabels)).toBe(true);
    expect(headless.ports.map((port) => port.name).toSorted()).toEqual(['amqp', 'cluster', 'epmd']);
    const configMap = pod(rabbitmq).volumes?.find((volume) => volume.configMap)?.configMap?.name;
    const config = (find(objects, 'ConfigMap', configMap ?? '') as (KubeObject & { data: Record<string, string> }) | undefined)?.data;
    expect(config?.enabled_plugins).toContain('rabbitmq_peer_discovery_k8s');
    const settings = Object.fromEntries((config?.['cluster.conf'] ?? '').split('\n').filter((line) => line.includes(' = ')).map((line) => line.split(' = ') as [string, string]));
    expect(settings).toMatchObject({
      'cluster_formation.peer_discovery_backend': 'rabbit_peer_discovery_k8s',
      'cluster_formation.k8s.address_type': 'hostname',
      'cluster_formation.k8s.service_name': rabbitmqSpec.serviceName,
      'cluster_formation.k8s.hostname_suffix': `.${rabbitmqSpec.serviceName}.${rabbitmq.metadata.namespace}.svc.cluster.local`,
      cluster_partition_handling: 'pause_minority',
    });
    // Node names are the pods' stable DNS names under the headless Service, which peer discovery returns.
    const env = resolveEnv(objects, containers(rabbitmq).find((container) => container.name === 'rabbitmq') as Container, placeholder, [externalSecret]);
    expect(env.env).toMatchObject({ RABBITMQ_USE_LONGNAME: 'true' });
    const container = containers(rabbitmq).find((each) => each.name === 'rabbitmq') as Container & { env: { name: string; value?: string }[] };
    expect(container.env.find((variable) => variable.name === 'RABBITMQ_NODENAME')?.value).toBe(`rabbit@$(MY_POD_NAME).${rabbitmqSpec.serviceName}.$(MY_POD_NAMESPACE).svc.cluster.local`);
    // The plugin reads the Service's endpoints with the pod's service account token, and nothing more.
    expect(pod(rabbitmq)).toMatchObject({ serviceAccountName: 'rabbitmq', automountServiceAccountToken: true });
    const binding = find(objects, 'RoleBinding', 'rabbitmq-peer-discovery') as KubeObject & { subjects: { kind: string; name: string; namespace?: string }[]; roleRef: { kind: string; name: string } };
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rabbitmq', namespace: rabbitmq.metadata.namespace }]);
    const role = find(objects, binding.roleRef.kind, binding.roleRef.name) as KubeObject & { rules: { resources: string[]; verbs: string[] }[] };
    expect(role.rules).toContainEqual(expect.objectContaining({ resources: ['endpoints'], verbs: ['get'] }));
    expect(role.rules.flatMap((rule) => rule.verbs).every((verb) => ['get', 'create'].includes(verb))).toBe(true);
  });

  it('gives-the-nodes-the-erlang-cookie-from-the-secret-as-a-file-only-its-owner-reads', () => {
    const cookieVolume = pod(rabbitmq).volumes?.find((volume) => volume.secret)?.name;
    const init = pod(rabbitmq).initContainers?.find((container) => container.volumeMounts?.some((mount) => mount.name === cookieVolume));
    expect(init?.command?.join(' ')).toMatch(/cp .*\.erlang\.cookie \/var\/lib\/rabbitmq\/\.erlang\.cookie && chmod 600 \/var\/lib\/rabbitmq\/\.erlang\.cookie/);
    expect(init?.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/rabbitmq' });
  });
});

describe('resolveEnv', () => {
  const objects: KubeObject[] = [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { HOST: 'db', PORT: '1433' } }];

  it('expands $(VAR) from envFrom and earlier env entries, like the kubelet, and keeps $$ as $', () => {
    const resolved = resolveEnv(
      objects,
      {
        name: 'app',
        envFrom: [{ configMapRef: { name: 'settings' } }],
        env: [
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'platform-secrets', key: 'pw' } } },
          { name: 'URL', value: 'mssql://sa:$(PASSWORD)@$(HOST):$(PORT)/x' },
          { name: 'PRICE', value: '$$(HOST)' },
        ],
      },
      (_secret, key) => `<${key}>`,
      ['platform-secrets'],
    );
    expect(resolved).toEqual({
      env: { HOST: 'db', PORT: '1433', PASSWORD: '<pw>', URL: 'mssql://sa:<pw>@db:1433/x', PRICE: '$(HOST)' },
      problems: [],
      secretKeys: ['platform-secrets/pw'],
    });
  });

  it('reports missing ConfigMaps and keys, unknown Secrets and references to undefined variables', () => {
    const resolved = resolveEnv(
      objects,
      {
        name: 'app',
        envFrom: [{ configMapRef: { name: 'nope' } }],
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'settings', key: 'MISSING' } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } },
          { name: 'C', value: '$(LATER)' },
        ],
      },
      () => 'x',
      ['platform-secrets'],
    );
    expect(resolved.problems).toEqual([
      'envFrom ConfigMap nope does not exist',
      'A: ConfigMap settings has no key MISSING',
      'Secret other is neither rendered nor the documented external Secret',
      'C: unresolved reference in "$(LATER)"',
    ]);
  });
});
