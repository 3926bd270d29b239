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

/** What the README of an event contract package says about its document. */
export interface EventDocument {
  /** Path from the repository root, `contracts/asyncapi/platform-events.yaml`. */
  readonly file: string;
  /** `info.title`, `Platform events`. */
  readonly title: string;
  /** Its message names in the document's order (`PlatformPublished`, ...): the README lists them so. */
  readonly messages: readonly string[];
}

/** A message of the event contract as the `.` entry exports it (`<message>Properties`, `<message>Topology`, ...). */
interface EventMessageExports {
  readonly typeName: string;
  readonly varName: string;
  /** The AMQP `type`. */
  readonly type: string;
  readonly exchange: string | undefined;
  readonly routingKey: string | undefined;
  /** The first example of its payload schema, if the contract gives one. */
  readonly example: unknown;
}

function eventMessages(entry: Readonly<Record<string, unknown>>): EventMessageExports[] {
  return Object.entries(entry).flatMap(([key, value]) => {
    const varName = /^(\w+)Properties$/.exec(key)?.[1];
    const type = (value as { messageType?: unknown } | null)?.messageType;
    if (varName === undefined || typeof type !== 'string') return [];
    const topology = entry[`${varName}Topology`] as { exchange?: string; routingKey?: string } | undefined;
    const example = (entry[`${varName}PayloadSchema`] as { examples?: unknown[] } | undefined)?.examples?.[0];
    return [{ typeName: varName[0]!.toUpperCase() + varName.slice(1), varName, type, exchange: topology?.exchange, routingKey: topology?.routingKey, example }];
  });
}

/** A JSON value as a TypeScript literal: bare keys where they are identifiers, single-quoted strings. */
function tsLiteral(value: unknown): string {
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(tsLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : tsLiteral(key)}: ${tsLiteral(item)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value);
}

/** Address of the local RabbitMQ in the examples (guest may only connect from localhost). */
const exampleAmqpUrl = 'amqp://guest:guest@localhost:5672';

export function eventsReadme(spec: PackageSpec, document: EventDocument, context: ReadmeContext): string {
  const fail = (why: string): never => {
    throw new Error(`cannot write the README of ${spec.name}: ${why}`);
  };
  const order = (m: EventMessageExports): number => (document.messages.includes(m.typeName) ? document.messages.indexOf(m.typeName) : document.messages.length);
  const messages = eventMessages(context.entry).toSorted((a, b) => order(a) - order(b));
  if (messages.length === 0) fail(`${document.file} declares no message`);
  const anyDecoder = Object.keys(context.entry).find((key) => /^decode\w+Message$/.test(key) && typeof context.entry[key] === 'function') ?? fail('the contract module has no decoder of every message');
  const namespace = anyDecoder.slice('decode'.length, -'Message'.length);
  const amqp = context.entries['./amqp'] ?? fail('it has no ./amqp entry point');
  const bind = `bind${namespace}Queue`;
  if (typeof amqp[bind] !== 'function') fail(`./amqp exports no ${bind}`);
  const queueExample = `my-service.${spec.folder}`;
  const exchanges = [...new Set(messages.map((m) => m.exchange).filter((name) => name !== undefined))];
  const published = messages.find((m) => m.example !== undefined && typeof amqp[`publish${m.typeName}`] === 'function');
  const tarball = `${spec.name.replace(/^@/, '').replace('/', '-')}-${context.version}.tgz`;
  const rows = messages.map((m) => `| \`${m.type}\` | \`${m.exchange ?? ''}\` / \`${m.routingKey ?? ''}\` | \`${m.typeName}\` | \`decode${m.typeName}\` | \`create${m.typeName}Message\` |`);
  const publishSection = published
    ? `
## Publish (to test your consumer)

The platform publishes these events; publish them yourself to test your consumer, on an exchange of the
test's own (\`options.exchange\`), so that nothing reaches the platform's consumers:

\`\`\`ts
import { connect } from 'amqplib';
import { decode${published.typeName} } from '${spec.name}';
import { ${bind}, publish${published.typeName}, toEventMessage } from '${spec.name}/amqp';

const exchange = \`test-\${process.pid}.${published.exchange ?? spec.folder}\`;
const connection = await connect('${exampleAmqpUrl}');
const channel = await connection.createConfirmChannel();
const queue = await ${bind}(channel, { queue: '', exchange, queueOptions: { exclusive: true } });
const sent = await publish${published.typeName}(channel, ${tsLiteral(published.example)}, { exchange });
const delivery = await channel.get(queue); // confirmed, so already in the queue
if (delivery) console.log(delivery.properties.messageId === sent.id, decode${published.typeName}(toEventMessage(delivery)));
await channel.deleteExchange(exchange);
await connection.close();
\`\`\`

\`publish${published.typeName}\` validates strictly (a payload with a field the contract does not declare is refused:
an invalid event is never sent), sets the message's properties as the platform does (persistent, \`messageId\`,
\`type\`, \`appId\`, \`timestamp\`, ...) and resolves once the broker confirmed the message.
`
    : '';
  return `# ${spec.name}

The event contract **${document.title}**, compiled from the AsyncAPI document \`${document.file}\`:
a TypeScript type, a JSON schema and a tolerant decoder per message, strict message builders, the AMQP
topology constants, and helpers to consume and publish with plain [amqplib](https://amqp-node.github.io/amqplib/),
free of the platform's runtime. ESM with \`.d.ts\` types for Node.js 20+. The \`.\` entry depends only on \`ajv\` and also runs in
browsers and bundlers, with any AMQP client; the \`./amqp\` entry is for Node.js and amqplib (an optional peer
dependency: install it yourself).

## Install

\`\`\`sh
npm install ${spec.name} amqplib          # from a registry
npm install ./${tarball} amqplib   # or the tarball \`npm pack\` made
\`\`\`

## Consume (amqplib)

\`\`\`ts
import { connect } from 'amqplib';
import { ${anyDecoder} } from '${spec.name}';
import { ${bind}, toEventMessage } from '${spec.name}/amqp';

const connection = await connect('${exampleAmqpUrl}');
const channel = await connection.createChannel();
const queue = await ${bind}(channel, { queue: '${queueExample}' });
await channel.consume(queue, (delivery) => {
  if (delivery === null) return; // the broker cancelled the consumer
  try {
    const event = ${anyDecoder}(toEventMessage(delivery));
    console.log(event.type, event.payload); // ${messages.map((m) => `'${m.type}'`).join(' | ')}, each with its payload type
    channel.ack(delivery);
  } catch (error) {
    console.error(error); // EventContractError 'poison_message': retrying cannot help
    channel.nack(delivery, false, false); // dropped, or dead-lettered when the queue has a dead-letter exchange
  }
});
\`\`\`

\`${bind}\` asserts ${exchanges.map((name) => `\`${name}\``).join(', ')} as the contract describes it, then your queue (durable by
default; \`queueOptions\` are amqplib's), and binds it to every message type (\`topics\` to choose; \`exchange\` when the
platform runs it under another name). Your queue gets every event published from then on, however many
other consumers the platform has. \`toEventMessage\` maps a delivery's properties and headers as the
platform's transport does; \`${anyDecoder}\` picks the decoder of the message's \`type\`, and
\`decode${messages[0]!.typeName}\` and the others read one type.

Decoders are **tolerant readers**: they validate the fields the contract declares and drop the ones it does not,
so a producer adding an optional field does not break you. A message that breaks the contract (a field missing
or invalid, another content type, an unknown type) throws \`EventContractError\` with \`code: 'poison_message'\` and
\`details\` naming every offending field. Delivery is at least once: handle each event idempotently (keyed on its
id, and on its version where it has one), and acknowledge only once it is handled.
${publishSection}
## What it exports

| type | exchange / routing key | payload | decoder | builder |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

- \`${spec.name}\`: per message its payload type, \`<message>PayloadSchema\` and \`<message>MetadataSchema\` (JSON
  Schema), \`<message>Issues()\` and \`is<Message>()\` (strict validation), \`create<Message>Message()\`,
  \`decode<Message>()\`, \`<message>Properties\` and \`<message>Topology\`; \`${anyDecoder}()\` and its union type;
  \`${namespace.replace(/^./, (c) => c.toLowerCase())}Topology\` (every exchange, queue and binding); \`EventMessage\` (\`{ id, payload, metadata }\`: what
  another AMQP client's message becomes to be decoded) and \`EventContractError\`.
- \`${spec.name}/amqp\`: \`toEventMessage(delivery)\`, \`toPublishOptions(message)\`,
  \`publishEventMessage(channel, exchange, routingKey, message)\`, a \`publish<Message>(channel, payload, options)\` per
  message the contract publishes, \`${bind}(channel, options)\`, and \`declare${namespace}Topology(channel)\` (the whole
  document, the platform's own queues included).
- \`${spec.name}/asyncapi.yaml\`: the AsyncAPI document itself.

${versionSection(context, `\`${document.file}\``)}`;
}
