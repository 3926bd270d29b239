/**
 * `npm run new:service <name>`: adds a service that builds, starts and passes its own tests at
 * once. It writes the OpenAPI document (one example operation; the gateway and the ingress route
 * by it), the workspace (config, entity, database declaration, the handler set that `satisfies`
 * the generated interface, service, main, migrate, a test), the first migrations, the Dockerfile
 * and compose.yaml entries, the Kubernetes base entries (and a production HorizontalPodAutoscaler), and its place in `npm start`
 * (added-services.ts). Then: `npm install` (links the workspace) and `npm run generate`.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { readApiRoutes } from '../../gateway/src/api-routes.ts';
import { createMigrations } from '../deploy/create-migrations.ts';
import { writeIngress } from '../deploy/ingress-routes.ts';
import { repositoryRoot } from '../deploy/services.ts';
import * as template from './templates.ts';
import type { ServiceNames } from './templates.ts';

/** Ports a new service never takes: the gateway's, the dev token issuer's, and those the Fetch standard blocks. */
const reservedPorts = new Set([8080, 8090, 6000, 6665, 6666, 6667, 6668, 6669, 6697, 10080]);

/** The first free port of 7000, 9000, 10000, 11000, ...: not in any contract's servers nor in compose.yaml. */
export async function choosePort(root: string): Promise<number> {
  const used = new Set(reservedPorts);
  for (const route of readApiRoutes(join(root, 'contracts'))) used.add(Number(new URL(route.localUrl).port));
  for (const match of (await readFile(join(root, 'compose.yaml'), 'utf8')).matchAll(/'(\d+):\d+'/g)) used.add(Number(match[1]));
  for (let port = 7000; port < 65_000; port += port === 7000 ? 2000 : 1000) if (!used.has(port) && !used.has(port + 1)) return port;
  throw new Error('cannot add a service: no free port left');
}

export interface ScaffoldResult {
  readonly names: ServiceNames;
  /** Files written or changed, relative to the repository root. */
  readonly files: readonly string[];
}

/** Writes the service `name` (kebab-case, e.g. `inventory-service`) into the repository at `root`. */
export async function scaffoldService(root: string, name: string): Promise<ScaffoldResult> {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) throw new Error(`cannot add service ${JSON.stringify(name)}: use lower-case words joined by "-", e.g. inventory-service`);
  const exists = async (path: string) => access(join(root, path)).then(() => true, () => false);
  for (const path of [name, `contracts/openapi/${name}.yaml`]) if (await exists(path)) throw new Error(`cannot add service ${name}: ${path} exists`);
  const names = template.serviceNames(name, await choosePort(root));
  const files: string[] = [];
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
    files.push(path);
  };
  const edit = async (path: string, change: (text: string) => string) => write(path, change(await readFile(join(root, path), 'utf8')));

  await write(`contracts/openapi/${name}.yaml`, template.contract(names));
  readApiRoutes(join(root, 'contracts')); // refuses a path prefix another service already routes
  await write(`${name}/package.json`, template.packageJson(names));
  await write(`${name}/src/config.ts`, template.configTs(names));
  await write(`${name}/src/database.ts`, template.databaseTs(names));
  await write(`${name}/src/items/item-entity.ts`, template.itemEntityTs(names));
  await write(`${name}/src/items/rest-handlers.ts`, template.restHandlersTs(names));
  await write(`${name}/src/service.ts`, template.serviceTs(names));
  await write(`${name}/src/index.ts`, template.indexTs(names));
  await write(`${name}/src/service.test.ts`, template.serviceTestTs(names));
  await write(`${name}/src/main.ts`, template.mainTs(names));
  await write(`${name}/src/migrate.ts`, template.migrateTs(names));
  const { entities } = (await import(join(root, name, 'src', 'database.ts'))) as { entities: Parameters<typeof createMigrations>[0] extends { entities(): Promise<infer E> } ? E : never };
  files.push(...(await createMigrations({ name, migrationsRoot: join(root, name, 'migrations'), entities: async () => entities }, 'initial')));

  await edit('package.json', (text) => {
    const manifest = JSON.parse(text) as { workspaces: string[] };
    manifest.workspaces.push(name);
    return `${JSON.stringify(manifest, null, 2)}\n`;
  });
  await edit('tsconfig.json', (text) => {
    const config = JSON.parse(text) as { include: string[] };
    config.include.splice(config.include.indexOf('gateway/src') + 1, 0, `${name}/src`);
    return `${JSON.stringify(config, null, 2)}\n`;
  });
  await edit('Dockerfile', (text) => {
    const lines = text.split('\n');
    const last = lines.findLastIndex((line) => /^COPY \S+\/package\.json \S+\/$/.test(line));
    lines.splice(last + 1, 0, `COPY ${name}/package.json ${name}/`);
    return lines.join('\n');
  });
  // Text edits: a YAML round trip would re-pad every flow sequence of the file.
  await edit('compose.yaml', (text) =>
    text
      .replace(/(\n  gateway:\n[\s\S]*?\n    environment:\n(?: {6}.*\n)*)/, `$1      ${names.constant}_URL: http://${name}:${names.port}\n`)
      .replace(/\nvolumes:\n/, `\n${template.composeService(names)}volumes:\n`),
  );
  await edit('added-services.ts', (text) =>
    text
      .replace(/\n\n\/\*\* An added service/, `\nimport { create${names.pascal}, loadConfig as load${names.pascal}Config } from './${name}/src/index.ts';$&`)
      .replace(/(\n\s*)\/\/ npm run new:service adds/, `$1{ name: '${name}', load: (env) => { const config = load${names.pascal}Config(env); return (logger) => create${names.pascal}({ config, logger }); } },$&`),
  );
  await kubernetes(root, names, write, edit);
  return { names, files };
}

type Write = (path: string, text: string) => Promise<void>;
type Edit = (path: string, change: (text: string) => string) => Promise<void>;

async function kubernetes(root: string, n: ServiceNames, write: Write, edit: Edit): Promise<void> {
  await write(`k8s/base/${n.name}.yaml`, template.kubernetesTs(n));
  const yamlEdit = (path: string, change: (document: ReturnType<typeof parseDocument>) => void) =>
    edit(path, (text) => {
      const document = parseDocument(text);
      change(document);
      return document.toString({ lineWidth: 0 });
    });
  await yamlEdit('k8s/base/kustomization.yaml', (document) => {
    const resources = document.get('resources') as { items: unknown[]; add(value: unknown): void };
    resources.add(`${n.name}.yaml`);
    const generators = document.get('configMapGenerator') as { items: { get(key: string): unknown }[]; add(value: unknown): void };
    generators.add(
      document.createNode({
        name: `${n.name}-config`,
        literals: ['NODE_ENV=production', 'LOG_LEVEL=info', 'LOG_FORMAT=json', `HTTP_PORT=${n.port}`, 'DB_DRIVER=mssql', 'DB_HOST=mssql', `DB_NAME=${n.resource.replaceAll('-', '_')}`, 'SHUTDOWN_TIMEOUT=20s'],
      }),
    );
    const gateway = generators.items.find((item) => item.get('name') === 'gateway-config') as { get(key: string): { add(value: unknown): void } } | undefined;
    gateway?.get('literals').add(`${n.constant}_URL=http://${n.name}:${n.port}`);
  });
  // The new service's pods reach SQL Server.
  await edit('k8s/base/network-policies.yaml', (text) => text.replace(/(name: mssql\n[\s\S]*?operator: In, values: \[[^\]]*)\]/, `$1, ${n.name}]`));
  for (const overlay of ['dev', 'prod']) {
    await yamlEdit(`k8s/overlays/${overlay}/kustomization.yaml`, (document) => {
      const images = document.get('images') as { items: { get(key: string): unknown }[]; add(value: unknown): void };
      const tag = images.items.find((item) => item.get('name') === 'contract-first/gateway')?.get('newTag');
      images.add(document.createNode({ name: `contract-first/${n.name}`, newTag: tag }));
      // Production spreads the replicas over nodes and zones, as it does the platform's parts.
      if (overlay === 'prod') (document.get('patches') as { add(value: unknown): void }).add(document.createNode(template.productionSpread(n)));
    });
  }
  // Production keeps one pod serving through drains (PodDisruptionBudget minAvailable 1): two replicas at least.
  await edit('k8s/overlays/prod/hpa.yaml', (text) => `${text.trimEnd()}\n${template.productionAutoscaler(n)}`);
  if (await writeIngress(root)) await edit('k8s/base/ingress.yaml', (text) => text);
}

if (import.meta.main) {
  const name = process.argv[2];
  if (name === undefined) {
    console.error('usage: npm run new:service <name>   (e.g. inventory-service)');
    process.exit(2);
  }
  try {
    const { names, files } = await scaffoldService(repositoryRoot, name);
    console.log(`${files.map((file) => `wrote ${file}`).join('\n')}

${name}: REST on :${names.port}, routed by the gateway and the ingress at /api/${names.resource}/...
Next: npm install && npm run generate && npx vitest run ${name}/src && npm start`);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
