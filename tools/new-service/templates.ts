/**
 * The files of a new service (`npm run new:service <name>`), written against the runtime's
 * lifecycle: a contract, a workspace whose handler set `satisfies` the generated interface,
 * config, entity, database declaration, entry points, a test, and its Kubernetes manifests.
 */

export interface ServiceNames {
  /** Folder, workspace, contract file, image and Kubernetes name: `inventory-service`. */
  readonly name: string;
  /** The API's path segment: `inventory` (the name without `-service`). */
  readonly resource: string;
  /** `InventoryService`: the generated handler interface is `<it>Handlers`. */
  readonly pascal: string;
  /** `inventoryService`: the generated surface is `<it>Surface`. */
  readonly camel: string;
  /** `Inventory Service`. */
  readonly title: string;
  /** `INVENTORY_SERVICE`: the gateway's setting is `<it>_URL`. */
  readonly constant: string;
  /** The service's HTTP port in local development. */
  readonly port: number;
}

const words = (name: string) => name.split('-').filter((word) => word !== '');

/** The names of a service called `name` (kebab-case) listening on `port`. */
export function serviceNames(name: string, port: number): ServiceNames {
  const pascal = words(name).map((word) => `${word[0]?.toUpperCase()}${word.slice(1)}`).join('');
  return {
    name,
    resource: name.replace(/-service$/, ''),
    pascal,
    camel: `${pascal[0]?.toLowerCase()}${pascal.slice(1)}`,
    title: words(name).map((word) => `${word[0]?.toUpperCase()}${word.slice(1)}`).join(' '),
    constant: name.toUpperCase().replaceAll('-', '_'),
    port,
  };
}

const problemResponse = (description: string) => `      description: ${description}
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'`;

export function contract(n: ServiceNames): string {
  return `openapi: 3.1.0
info:
  title: ${n.title} API
  version: 1.0.0
  summary: Items of ${n.name}.
  description: |
    Written by \`npm run new:service ${n.name}\`: one example operation to grow from. The
    conventions of the platform's other APIs hold here too (problem+json errors, \`x-request-id\`
    on every response, exact paths, no unknown query parameters); see platform-service.yaml.
  license:
    name: MIT
    identifier: MIT
servers:
  - url: http://localhost:8080
    description: Gateway (local development; routes /api/${n.resource} here)
  - url: http://localhost:${n.port}
    description: ${n.name} directly (local development)
# Secure by default: every operation needs a token with the write scope unless it opts out
# with \`security: []\` (the reads).
security:
  - bearerAuth: ['${n.resource}:write']
tags:
  - name: items
    description: The items of ${n.name}.
paths:
  /api/${n.resource}/items:
    get:
      operationId: listItems
      security: []  # open: reads need no token
      tags: [items]
      summary: List items
      description: Returns every item, ordered by id.
      responses:
        '200':
          description: The items, ordered by id (an empty list when there are none).
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/Item'
        '400':
          $ref: '#/components/responses/BadRequest'
        '500':
          $ref: '#/components/responses/InternalError'
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
      bearerFormat: JWT
      description: A JWT of the platform's issuer (AUTH_ISSUER) for this API (AUTH_AUDIENCE), checked with its keys (AUTH_JWKS_URL).
  headers:
    RequestId:
      description: The request id; every response carries it.
      required: true
      schema:
        type: string
        minLength: 1
    Allow:
      description: The methods the path offers, comma-separated.
      required: true
      schema:
        type: string
        pattern: '^[A-Z]+(, [A-Z]+)*$'
    AcceptEncoding:
      description: The content codings the server decodes in request bodies; sent when the request used another.
      required: false
      schema:
        type: string
  schemas:
    Item:
      type: object
      additionalProperties: false
      required: [id, name]
      properties:
        id:
          type: integer
          format: int32
          minimum: 1
        name:
          type: string
          minLength: 1
          maxLength: 200
    Problem:
      type: object
      description: RFC 9457 problem details, served as \`application/problem+json\`.
      required: [type, title, status]
      properties:
        type: { type: string, format: uri-reference, default: about:blank }
        title: { type: string }
        status: { type: integer, format: int32, minimum: 100, maximum: 599 }
        detail: { type: string }
        instance: { type: string, format: uri-reference }
        requestId: { type: string }
        errors:
          type: array
          items:
            $ref: '#/components/schemas/FieldError'
    FieldError:
      type: object
      required: [field, in, message]
      properties:
        field: { type: string }
        in: { type: string, enum: [body, path, query, header] }
        message: { type: string }
  responses:
    BadRequest:
${problemResponse('The request is invalid (an unknown query parameter, a body where the operation takes none, ...).')}
    InternalError:
${problemResponse('An unexpected error. The body names the request id and nothing of the internals.')}
    NoSuchOperation:
${problemResponse('No operation of this API has this path; a trailing slash is a different path.')}
    MethodNotAllowed:
      description: The path does not offer this method; \`Allow\` lists the ones it does.
      headers:
        Allow:
          $ref: '#/components/headers/Allow'
      content:
        application/problem+json:
          schema:
            $ref: '#/components/schemas/Problem'
    Options:
      description: The answer to \`OPTIONS\` on any path of this API; \`Allow\` lists its methods. No body.
      headers:
        Allow:
          $ref: '#/components/headers/Allow'
    BadGateway:
${problemResponse('Through the gateway only. The service cannot be reached; nothing was done, try again later.')}
    GatewayTimeout:
${problemResponse('Through the gateway only. The service did not answer in time.')}
    HeadersTooLarge:
${problemResponse('The request line and headers are larger than 16 KiB; the connection closes.')}
`;
}

export function packageJson(n: ServiceNames): string {
  return `${JSON.stringify(
    {
      name: `@platform/${n.name}`,
      version: '0.1.0',
      private: true,
      type: 'module',
      exports: { '.': './src/index.ts' },
      description: `${n.title}: REST (OpenAPI) over its own database.`,
      engines: { node: '>=24.11' },
      scripts: { build: 'node ../tools/build/build-part.ts', start: 'MALLOC_ARENA_MAX=2 node --min-semi-space-size=4 --max-semi-space-size=16 ../runtime/bin/start-part.js' },
      dependencies: { '@mikro-orm/core': '7.2.1', '@platform/runtime': '*' },
    },
    null,
    2,
  )}\n`;
}

export function configTs(n: ServiceNames): string {
  return `/**
 * ${n.name} configuration: every setting read and validated once, at start-up, from the
 * environment. A bad value stops the start with a message naming the variable.
 */
import { authConfig, authSettings } from '@platform/runtime/auth';
import type { AuthConfig } from '@platform/runtime/auth';
import { integer, readConfig } from '@platform/runtime/config';
import type { Env } from '@platform/runtime/config';
import { databaseLocation, databaseSettings } from '@platform/runtime/db';
import type { DatabaseLocation } from '@platform/runtime/db';
import { serviceSettings } from '@platform/runtime/lifecycle';

/** Every variable ${n.name} reads. */
export const ${n.camel}Settings = {
  /** REST listener port; 0 picks a free port (tests). */
  httpPort: integer('HTTP_PORT', ${n.port}, { min: 0, max: 65_535 }),
  /** HOST, NODE_ENV, LOG_LEVEL, LOG_FORMAT, SHUTDOWN_TIMEOUT. */
  ...serviceSettings,
  /** DB_DRIVER, DB_URL (sqlite default \`data/${n.name}.sqlite\`): read into \`database\`. */
  ...databaseSettings,
  /** AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE (all three or none), AUTH_JWKS_COOLDOWN: read into \`auth\`. */
  ...authSettings,
};

type Values = ReturnType<typeof readConfig<typeof ${n.camel}Settings>>;

/** The typed, frozen configuration of ${n.name}. */
export type ${n.pascal}Config = Omit<Values, 'dbDriver' | 'dbUrl'> & {
  /** Where the database is (DB_DRIVER, DB_URL). */
  readonly database: DatabaseLocation;
  /** Who may write: the issuer's settings, or undefined for authentication off (refused in production). */
  readonly auth: AuthConfig | undefined;
};

/** Reads the configuration from \`env\` (default: the process environment). Throws AppError \`invalid_config\`. */
export function loadConfig(env?: Env): ${n.pascal}Config {
  return readConfig(${n.camel}Settings, env, ({ dbDriver, dbUrl, ...values }, problem): ${n.pascal}Config => {
    const database = databaseLocation({ dbDriver, dbUrl }, '${n.name}', problem);
    return { ...values, database, auth: authConfig(values, values.nodeEnv, problem) };
  });
}
`;
}

export function itemEntityTs(n: ServiceNames): string {
  return `import { defineEntity, p } from '@mikro-orm/core';

/** An item of ${n.name}: the example entity to replace with the service's own. */
export const ItemSchema = defineEntity({
  name: 'Item',
  tableName: '${n.resource.replaceAll('-', '_')}_items',
  properties: {
    id: p.integer().primary(),
    name: p.string().length(200),
  },
});

export class Item extends ItemSchema.class {}
ItemSchema.setClass(Item);
`;
}

export function restHandlersTs(n: ServiceNames): string {
  return `/** The REST operations of contracts/openapi/${n.name}.yaml; requests arrive validated against it. */
import type { ${n.pascal}Handlers } from '@platform/gen/openapi/${n.name}/server.ts';
import type { Orm } from '@platform/runtime/db';
import { Item } from './item-entity.ts';

export function createItemRestHandlers(orm: Orm) {
  return {
    async listItems() {
      const items = await orm.em.fork().find(Item, {}, { orderBy: { id: 'asc' } });
      return { status: 200, body: items.map(({ id, name }) => ({ id, name })) };
    },
  } satisfies ${n.pascal}Handlers;
}
`;
}

export function databaseTs(n: ServiceNames): string {
  return `/**
 * What ${n.name} stores and where its migrations are; the runtime's \`openDatabase\` opens it and
 * brings the schema up to date (committed migrations in production, the entities' schema otherwise).
 * After changing an entity: \`node tools/deploy/create-migrations.ts <name>\`.
 */
import { fileURLToPath } from 'node:url';
import type { DatabaseDeclaration } from '@platform/runtime/db';
import { ItemSchema } from './items/item-entity.ts';

/** Every entity ${n.name} stores. */
export const entities = [ItemSchema];

export const ${n.camel}Database: DatabaseDeclaration = { entities, migrations: fileURLToPath(new URL('../migrations', import.meta.url)) };
`;
}

export function serviceTs(n: ServiceNames): string {
  return `/**
 * ${n.name} assembled from its pieces, in start order: the database, then REST on HTTP_PORT. The
 * runtime stops them in reverse. \`main.ts\` runs it alone; \`npm start\` runs it beside the other parts.
 */
import { ${n.camel}Surface } from '@platform/gen/openapi/${n.name}/server.ts';
import { createTokenVerifier, describeAuthentication } from '@platform/runtime/auth';
import { databaseCheck, openDatabase, schemaSource } from '@platform/runtime/db';
import { localUrl } from '@platform/runtime/http';
import { createService } from '@platform/runtime/lifecycle';
import type { Service } from '@platform/runtime/lifecycle';
import type { Logger } from '@platform/runtime/logging';
import { createRestServer } from '@platform/runtime/rest';
import type { ${n.pascal}Config } from './config.ts';
import { ${n.camel}Database } from './database.ts';
import { createItemRestHandlers } from './items/rest-handlers.ts';

export interface ${n.pascal}Options {
  readonly config: ${n.pascal}Config;
  readonly logger: Logger;
}

export type ${n.pascal} = Service<{ readonly restUrl: string }>;

export function create${n.pascal}(options: ${n.pascal}Options): ${n.pascal} {
  const { config, logger } = options;
  return createService({
    name: '${n.name}',
    logger,
    describe: (addresses) => ({ ...addresses, database: config.database.driver, authentication: describeAuthentication(config.auth) }),
    async start({ start, readiness }) {
      const schema = schemaSource(config.nodeEnv);
      const orm = await start({ name: 'database', start: () => openDatabase({ ...config.database, ...${n.camel}Database, schema, logger }), stop: (opened) => opened.close() });
      readiness.register('database', databaseCheck(orm));
      const rest = createRestServer({
        surface: ${n.camel}Surface,
        handlers: createItemRestHandlers(orm),
        logger,
        validateResponses: config.nodeEnv !== 'production',
        readiness: () => readiness.report(),
        drainTimeoutMs: Math.max(1, Math.floor(config.shutdownTimeout / 2)),
        authentication: config.auth ? createTokenVerifier(config.auth) : 'off',
      });
      const address = await start({ name: 'rest', start: () => rest.listen(config.httpPort, config.host), stop: () => rest.close() });
      return { restUrl: localUrl(address) };
    },
  });
}
`;
}

export function indexTs(n: ServiceNames): string {
  return `/** \`@platform/${n.name}\`: the part, for a launcher (\`start.ts\`) or a test that runs it in-process. */
export { create${n.pascal} } from './service.ts';
export type { ${n.pascal}, ${n.pascal}Options } from './service.ts';
export { loadConfig, ${n.camel}Settings } from './config.ts';
export type { ${n.pascal}Config } from './config.ts';
`;
}

export function mainTs(n: ServiceNames): string {
  return `/**
 * Runs ${n.name} alone: \`node src/main.ts\` (or \`npm start -w ${n.name}\`), configured by the
 * environment. SIGTERM or SIGINT stops it in order and exits 0; a failed start exits 1.
 */
import { runService } from '@platform/runtime/lifecycle';
import { loadConfig } from './config.ts';
import { create${n.pascal} } from './service.ts';

await runService({
  name: '${n.name}',
  loadConfig,
  shutdownTimeout: (config) => config.shutdownTimeout,
  ports: (config) => ({ HTTP_PORT: config.httpPort }),
  create: (config, logger) => create${n.pascal}({ config, logger }),
});
`;
}

export function migrateTs(n: ServiceNames): string {
  return `/**
 * Applies ${n.name}'s committed schema migrations and exits: \`node src/migrate.ts\` (the Kubernetes
 * init container). Same configuration as the service (DB_DRIVER, DB_URL, LOG_LEVEL, ...).
 */
import { runMigrations } from '@platform/runtime/db';
import { loadConfig } from './config.ts';
import { ${n.camel}Database } from './database.ts';

await runMigrations({
  name: '${n.name}',
  loadConfig,
  declaration: ${n.camel}Database,
});
`;
}

export function serviceTestTs(n: ServiceNames): string {
  return `import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@platform/runtime/logging';
import { loadConfig } from './config.ts';
import { create${n.pascal} } from './service.ts';
import type { ${n.pascal} } from './service.ts';

const started: ${n.pascal}[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((service) => service.stop()));
});

async function startService(): Promise<string> {
  const config = loadConfig({ HTTP_PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', DB_URL: ':memory:' });
  const service = create${n.pascal}({ config, logger: createLogger({ name: '${n.name}', level: 'silent' }) });
  started.push(service);
  return (await service.start()).restUrl;
}

describe('${n.name}', () => {
  it('lists no items on an empty database', async () => {
    const url = await startService();
    const answer = await fetch(\`\${url}/api/${n.resource}/items\`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual([]);
  });

  it('is ready once its database is open, and answers a path outside its contract with 404', async () => {
    const url = await startService();
    expect((await fetch(\`\${url}/readyz\`)).status).toBe(200);
    expect((await fetch(\`\${url}/api/${n.resource}/nothing\`)).status).toBe(404);
  });

  it('reads its configuration with local defaults', () => {
    expect(loadConfig({})).toMatchObject({ httpPort: ${n.port}, database: { driver: 'sqlite' }, auth: undefined });
  });
});
`;
}

export function kubernetesTs(n: ServiceNames): string {
  return `# ${n.name}: REST on ${n.port} (written by \`npm run new:service\`). The init container applies the
# schema migrations before the service starts (see README.md, "Deploy to Kubernetes").
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${n.name}
  labels: &labels
    app.kubernetes.io/name: ${n.name}
    app.kubernetes.io/component: api
    app.kubernetes.io/part-of: contract-first
spec:
  replicas: 1
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: ${n.name}
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }
  template:
    metadata:
      labels: *labels
      annotations:
        # Prometheus scrapes the service's metrics on its HTTP port (README.md, "Observe it").
        prometheus.io/scrape: 'true'
        prometheus.io/port: '${n.port}'
        prometheus.io/path: /metrics
    spec:
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 30
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000 # the image's \`node\` user; numeric so the kubelet can verify non-root
        runAsGroup: 1000
        fsGroup: 1000
        seccompProfile: { type: RuntimeDefault }
      initContainers:
        - name: migrate
          image: contract-first/${n.name}
          imagePullPolicy: IfNotPresent
          command: ['node', 'src/migrate.ts']
          envFrom: &envFrom
            - configMapRef: { name: ${n.name}-config }
            - configMapRef: { name: auth-config }
          env: &env
            - name: MSSQL_SA_PASSWORD
              valueFrom: { secretKeyRef: { name: platform-secrets, key: mssql-sa-password } }
            - name: DB_URL
              value: mssql://sa:$(MSSQL_SA_PASSWORD)@$(DB_HOST):1433/$(DB_NAME)
          resources: &resources
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: '1', memory: 512Mi }
          securityContext: &containerSecurity
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
          volumeMounts: &mounts
            - { name: tmp, mountPath: /tmp }
      containers:
        - name: ${n.name}
          image: contract-first/${n.name}
          imagePullPolicy: IfNotPresent
          ports:
            - { name: http, containerPort: ${n.port}, protocol: TCP }
          envFrom: *envFrom
          env: *env
          startupProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 30
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: /readyz, port: http }
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
          lifecycle:
            preStop: { exec: { command: ['sleep', '5'] } }
          resources: *resources
          securityContext: *containerSecurity
          volumeMounts: *mounts
      volumes:
        - name: tmp
          emptyDir: { sizeLimit: 64Mi }
---
apiVersion: v1
kind: Service
metadata:
  name: ${n.name}
  labels:
    app.kubernetes.io/name: ${n.name}
    app.kubernetes.io/part-of: contract-first
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: ${n.name}
  ports:
    - { name: http, port: ${n.port}, targetPort: http, protocol: TCP, appProtocol: http }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: ${n.name}
  labels:
    app.kubernetes.io/name: ${n.name}
    app.kubernetes.io/part-of: contract-first
spec:
  maxUnavailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${n.name}
`;
}

/** The compose.yaml service block of the part (appended before \`volumes:\`). */
export function composeService(n: ServiceNames): string {
  return `  ${n.name}:
    <<: *node-part
    build: { context: ., dockerfile: Dockerfile, args: { PART: ${n.name}, PORTS: '${n.port}' } }
    image: contract-first/${n.name}:dev
    command: ['sh', '-c', 'node src/migrate.ts && exec node --min-semi-space-size=4 --max-semi-space-size=16 dist/main.js']
    environment:
      NODE_ENV: production
      HTTP_PORT: '${n.port}'
      DB_DRIVER: mssql
      DB_URL: mssql://sa:\${MSSQL_SA_PASSWORD}@mssql:1433/${n.resource.replaceAll('-', '_')}
      AUTH_JWKS_URL: \${AUTH_JWKS_URL:?set AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE in .env (see the top of compose.yaml)}
      AUTH_ISSUER: \${AUTH_ISSUER:?set AUTH_ISSUER in .env}
      AUTH_AUDIENCE: \${AUTH_AUDIENCE:?set AUTH_AUDIENCE in .env}
    ports: ['${n.port}:${n.port}']
    depends_on:
      mssql: { condition: service_healthy }

`;
}

/** The production overlay's patch spreading the part's replicas over nodes (soft) and zones. */
export function productionSpread(n: ServiceNames): { target: { kind: string; name: string }; patch: string } {
  const selector = `{ matchLabels: { app.kubernetes.io/name: ${n.name} } }`;
  return {
    target: { kind: 'Deployment', name: n.name },
    patch: `- op: add
  path: /spec/template/spec/affinity
  value:
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector: ${selector}
- op: add
  path: /spec/template/spec/topologySpreadConstraints
  value:
    - maxSkew: 1
      topologyKey: topology.kubernetes.io/zone
      whenUnsatisfiable: ScheduleAnyway
      labelSelector: ${selector}`,
  };
}

/** The production overlay's HorizontalPodAutoscaler of the part (appended to k8s/overlays/prod/hpa.yaml). */
export function productionAutoscaler(n: ServiceNames): string {
  return `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${n.name}
  labels:
    app.kubernetes.io/name: ${n.name}
    app.kubernetes.io/part-of: contract-first
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${n.name} }
  minReplicas: 2
  maxReplicas: 4
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
`;
}
