/**
 * README.md of each client package: what it holds, a ten-line use built from the contract's own
 * names (the consumer test type-checks every `ts` block of every README against the packed
 * packages), and what its version means.
 */
import type { DescMethod, DescService } from '@bufbuild/protobuf';
import type { Contract, ContractOperation, ContractSchema } from '../openapi/contract.ts';
import { pascalCase } from '../openapi/naming.ts';
import type { PackageSpec, ReadmeContext } from './spec.ts';

/** Address of platform-service's gRPC listener in local development (architecture: default local ports). */
const exampleGrpcUrl = 'http://localhost:5001';

function versionSection(context: ReadmeContext, source: string): string {
  const dev = context.version.includes('-dev.');
  return `## Version

${
  dev
    ? `\`${context.version}\` was built from contracts that differ from the last release (\`contracts/released/\` of the
repository): a prerelease of the next patch named after the contract bytes, for trying a change out. Do not
publish it; release the contracts (\`npm run contracts:release\`) and rebuild.`
    : `\`${context.version}\` is the contract release of the same number (\`contracts/released/\`): this package holds
exactly ${source} as released.`
}
Breaking contract changes come only with a new major version (the repository's contract gate enforces it).
`;
}

function schemaName(schema: ContractSchema | undefined): string | undefined {
  const ref = schema?.$ref ?? (schema?.type === 'array' ? schema.items?.$ref : undefined);
  const name = ref?.startsWith('#/components/schemas/') ? pascalCase(ref.slice('#/components/schemas/'.length)) : undefined;
  return name && schema?.type === 'array' ? `${name}[]` : name;
}

/** The operation the example calls: the first GET with a path parameter, else the first GET. */
function exampleOperation(contract: Contract): ContractOperation | undefined {
  const gets = contract.operations.filter((op) => op.method === 'get');
  return gets.find((op) => op.parameters.path) ?? gets[0];
}

export function restReadme(spec: PackageSpec, contract: Contract, context: ReadmeContext): string {
  const name = pascalCase(contract.service);
  const servers = ((contract.document.servers ?? []) as { url?: string }[]).map((server) => server.url).filter(Boolean);
  const baseUrl = servers[0] ?? 'http://localhost:8080';
  const op = exampleOperation(contract);
  const schemas = contract.schemaNames.map((schema) => `\`${pascalCase(schema)}\``).join(', ');
  const tarball = `${spec.name.replace(/^@/, '').replace('/', '-')}-${context.version}.tgz`;
  let example = '';
  if (op) {
    const pathParams = [...op.path.matchAll(/\{([^}]+)\}/g)].map((match) => `${match[1]}: 1`);
    const options = pathParams.length > 0 ? `, { params: { path: { ${pathParams.join(', ')} } } }` : '';
    const success = op.responses.find((response) => response.status >= 200 && response.status < 300);
    const errors = op.responses.filter((response) => response.status >= 400).map((response) => response.status);
    example = `
\`\`\`ts
import { create${name}Client } from '${spec.name}';

const client = create${name}Client('${baseUrl}');
const { data, error, response } = await client.GET('${op.path}'${options});
if (error) {
  console.error(response.status, error.title, error.detail); // ${errors.join(', ')}: a problem (application/problem+json)
} else {
  console.log(data); // ${success?.status ?? 200}: ${schemaName(success?.schema) ?? 'the success body'}
}
\`\`\`

The other methods work the same way (\`client.POST(path, { body })\`). Paths, parameters, bodies and
answers are typed by the contract: \`tsc\` rejects a path the contract does not have, a parameter of the
wrong type and a body without a required field (openapi-fetch lets an extra body field through to the
server, which answers 400). The base URL is an origin (the contract's paths start with \`/api\`).`;
  }
  const rows = contract.operations.map((o) => `| \`${o.method.toUpperCase()} ${o.path}\` | \`${o.operationId}\` | ${o.responses.map((r) => r.status).join(', ')} |`);
  return `# ${spec.name}

Typed REST client of **${contract.title}**, compiled from the contract \`${contract.file}\`: an
[openapi-fetch](https://openapi-ts.dev/openapi-fetch/) client whose paths, parameters, request
bodies, responses and problem (error) bodies are the contract's types. ESM with \`.d.ts\` types for
Node.js 20+, browsers and bundlers; its one dependency is \`openapi-fetch\`.

## Install

\`\`\`sh
npm install ${spec.name}          # from a registry
npm install ./${tarball}   # or the tarball \`npm pack\` made
\`\`\`

## Use
${example}

## What it exports

- \`create${name}Client(baseUrl, options?)\` and the \`${name}Client\` type; \`options\` are openapi-fetch's
  (\`headers\`, \`fetch\`, \`querySerializer\`, ...), and \`client.use(middleware)\` adds auth headers or logging.
- a type per schema of the contract: ${schemas}.
- \`paths\`, \`components\`, \`operations\`: the whole contract as types (also from \`${spec.name}/types\`).
- \`${spec.name}/openapi.yaml\`: the contract document itself.

| operation | operationId | statuses |
| --- | --- | --- |
${rows.join('\n')}

${versionSection(context, `\`${contract.file}\``)}`;
}

function services(context: ReadmeContext): DescService[] {
  return Object.values(context.entry).filter((value): value is DescService => (value as { kind?: unknown } | null)?.kind === 'service');
}

function exportName(context: ReadmeContext, service: DescService): string {
  return Object.entries(context.entry).find(([, value]) => value === service)?.[0] ?? service.name;
}

function call(method: DescMethod): string {
  if (method.methodKind === 'unary') return `console.log(await client.${method.localName}({}));`;
  if (method.methodKind === 'server_streaming') return `for await (const message of client.${method.localName}({})) console.log(message);`;
  return `// ${method.localName}: ${method.methodKind.replace('_', '-')}, takes an async iterable of requests`;
}

export function protoReadme(spec: PackageSpec, dotted: string, firstProto: string, context: ReadmeContext): string {
  const all = services(context);
  const service = all[0];
  if (service === undefined) throw new Error(`cannot write the README of ${spec.name}: ${dotted} declares no service`);
  const exported = exportName(context, service);
  const calls = service.methods.filter((m) => m.methodKind !== 'client_streaming' && m.methodKind !== 'bidi_streaming').map(call);
  const grpcJsChain = dotted.split('.').reduce((chain, segment, index) => (index === 0 ? `(loaded.${segment} as grpc.GrpcObject)` : `(${chain}.${segment} as grpc.GrpcObject)`), '');
  const firstUnary = service.methods.find((m) => m.methodKind === 'unary');
  const rows = all.flatMap((s) => s.methods.map((m) => `| \`${s.typeName}/${m.name}\` | \`${exportName(context, s)}.${m.localName}\` | ${m.methodKind.replace('_', '-')} | \`${m.input.typeName}\` → \`${m.output.typeName}\` |`));
  return `# ${spec.name}

Protobuf and Connect descriptors of \`${dotted}\`, compiled from the contract \`${spec.contracts.join(', ')}\` by
protoc-gen-es (protobuf-es v2): a TypeScript type and a schema (\`<Message>Schema\`) per message, and
a service descriptor per service, which Connect clients (connect-node, connect-web) take as they
are. ESM with \`.d.ts\` types for Node.js 20+, browsers and bundlers; its one dependency is
\`@bufbuild/protobuf\`. The .proto files ship too, under \`${spec.name}/proto/\`.

## Use (Node.js, connect-node)

\`\`\`ts
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { ${exported} } from '${spec.name}';

// The service's gRPC address (plain-text HTTP/2 here); createConnectTransport speaks the Connect protocol instead.
const client = createClient(${exported}, createGrpcTransport({ baseUrl: '${exampleGrpcUrl}' }));
${calls.join('\n')}
\`\`\`

Install \`@connectrpc/connect\` and \`@connectrpc/connect-node\` next to this package (connect-node needs
Node.js 22 or newer; this package itself runs on 20+). Messages are plain objects typed by the
package (\`create(${service.methods[0]?.input.name ?? 'Message'}Schema, {...})\` from \`@bufbuild/protobuf\` builds one with defaults).

## Browsers (connect-web)

\`\`\`ts
import { createClient } from '@connectrpc/connect';
import { createGrpcWebTransport } from '@connectrpc/connect-web';
import { ${exported} } from '${spec.name}';

// A browser speaks gRPC-Web (or Connect, createConnectTransport) to a proxy that forwards it to the gRPC port.
const client = createClient(${exported}, createGrpcWebTransport({ baseUrl: 'https://api.example.com' }));
\`\`\`

## grpc-js

The descriptors are protobuf-es descriptors, which \`@grpc/grpc-js\` does not read. On Node.js, prefer
connect-node's \`createGrpcTransport\` above: it speaks the same gRPC wire protocol to any gRPC server and
is typed by this package. To stay with grpc-js, load the .proto files this package ships with
\`@grpc/proto-loader\` (grpc-js's own dynamic tooling; its messages are untyped):

\`\`\`ts
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';

const file = fileURLToPath(import.meta.resolve('${spec.name}/${firstProto}'));
const loaded = grpc.loadPackageDefinition(protoLoader.loadSync(file, { defaults: true }));
const Client = ${grpcJsChain}.${service.name} as grpc.ServiceClientConstructor;
const client = new Client('${new URL(exampleGrpcUrl).host}', grpc.credentials.createInsecure());
${firstUnary ? `client.${firstUnary.name}!({}, (error: grpc.ServiceError | null, response: unknown) => console.log(error ?? response));` : ''}
\`\`\`

| method | client method | kind | request → response |
| --- | --- | --- | --- |
${rows.join('\n')}

${versionSection(context, `the proto files of \`${dotted}\``)}`;
}
