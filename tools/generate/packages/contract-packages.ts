/**
 * The client packages of the contracts, one `PackageSpec` each:
 * - a REST client per OpenAPI document (`@contract-first/<service>-client`): the generated
 *   openapi-fetch client and the contract's types (gen/openapi/<service>/client.ts, types.ts);
 * - the protobuf and Connect descriptors per proto package (`@contract-first/platforms-v1` for
 *   `platforms.v1`): the protoc-gen-es output of gen/proto/<package path>/, with the .proto files;
 * - the event contract per AsyncAPI document (`@contract-first/platform-events`): the runtime-free
 *   files of gen/asyncapi/<document>/, contract.ts (`.`) and amqp.ts (`./amqp`), with the document.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { listDocuments } from '../../contracts/layout.ts';
import { asyncapiDocuments } from '../asyncapi.ts';
import type { GenerateContext } from '../index.ts';
import { loadContract } from '../openapi/contract.ts';
import type { Contract } from '../openapi/contract.ts';
import { eventsReadme, protoReadme, restReadme } from './readme.ts';
import type { EventDocument } from './readme.ts';
import { packageScope } from './spec.ts';
import type { PackageSpec } from './spec.ts';

export async function contractPackages(ctx: GenerateContext): Promise<PackageSpec[]> {
  const specs: PackageSpec[] = [];
  for (const file of await listDocuments(join(ctx.contractsDir, 'openapi'))) {
    specs.push(restClientPackage(await loadContract(join(ctx.contractsDir, 'openapi', file), ctx.root)));
  }
  for (const protoPackage of await protoPackages(join(ctx.contractsDir, 'proto'))) specs.push(protoDescriptorPackage(ctx, protoPackage));
  for (const document of asyncapiDocuments) specs.push(await eventContractPackage(ctx, document.name));
  return specs;
}

function restClientPackage(contract: Contract): PackageSpec {
  const license = ((contract.document.info as { license?: { identifier?: unknown } } | undefined)?.license?.identifier);
  const spec: PackageSpec = {
    name: `${packageScope}/${contract.service}-client`,
    folder: `${contract.service}-client`,
    description: `Typed REST client of ${contract.title} (${contract.file}): an openapi-fetch client with the contract's schema and problem types.`,
    keywords: ['contract-first', 'openapi', 'openapi-fetch', 'rest-client', contract.service],
    ...(typeof license === 'string' ? { license } : {}),
    contracts: [contract.file],
    modules: {
      'client.ts': { gen: `openapi/${contract.service}/client.ts` },
      'types.ts': { gen: `openapi/${contract.service}/types.ts` },
    },
    entryPoints: { '.': 'client.ts', './types': 'types.ts' },
    dependencies: ['openapi-fetch'],
    files: { 'openapi.yaml': contract.file },
    readme: (context) => restReadme(spec, contract, context),
  };
  return spec;
}

/** A proto package of our buf module: its folder below contracts/proto (`platforms/v1`) and its .proto files. */
interface ProtoPackage {
  readonly path: string;
  readonly files: readonly string[];
}

/** Every folder of the module that holds .proto files: one proto package each (buf's STANDARD lint: package = folder). */
async function protoPackages(protoDir: string): Promise<ProtoPackage[]> {
  const entries = await readdir(protoDir, { recursive: true, withFileTypes: true });
  const byFolder = new Map<string, string[]>();
  for (const entry of entries.filter((e) => e.isFile() && e.name.endsWith('.proto'))) {
    const folder = entry.parentPath.slice(protoDir.length + 1).replaceAll('\\', '/');
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), entry.name]);
  }
  return [...byFolder].map(([path, files]) => ({ path, files: files.toSorted() })).toSorted((a, b) => (a.path < b.path ? -1 : 1));
}

function protoDescriptorPackage(ctx: GenerateContext, proto: ProtoPackage): PackageSpec {
  const dotted = proto.path.replaceAll('/', '.');
  const contractsPath = `${join(ctx.contractsDir, 'proto').slice(ctx.root.length + 1).replaceAll('\\', '/')}/${proto.path}`;
  const modules = Object.fromEntries(proto.files.map((file) => {
    const pb = `${proto.path}/${file.replace(/\.proto$/, '_pb.ts')}`;
    return [pb, { gen: `proto/${pb}` }] as const;
  }));
  const index = `// The descriptors of ${dotted}: messages, enums and services of every file of the package.\n${Object.keys(modules).map((pb) => `export * from './${pb}';`).join('\n')}\n`;
  const spec: PackageSpec = {
    name: `${packageScope}/${proto.path.replaceAll('/', '-')}`,
    folder: proto.path.replaceAll('/', '-'),
    description: `Protobuf and Connect descriptors of ${dotted} (${contractsPath}): message types and schemas, and the service descriptors for connect-node and connect-web.`,
    keywords: ['contract-first', 'protobuf', 'grpc', 'connectrpc', dotted],
    contracts: [contractsPath],
    modules: { ...modules, 'index.ts': { text: index } },
    entryPoints: { '.': 'index.ts' },
    dependencies: ['@bufbuild/protobuf'],
    files: Object.fromEntries(proto.files.map((file) => [`proto/${proto.path}/${file}`, `${contractsPath}/${file}`])),
    readme: (context) => protoReadme(spec, dotted, `proto/${proto.path}/${proto.files[0]}`, context),
  };
  return spec;
}


async function eventContractPackage(ctx: GenerateContext, name: string): Promise<PackageSpec> {
  const file = `${join(ctx.contractsDir, 'asyncapi').slice(ctx.root.length + 1).replaceAll('\\', '/')}/${name}.yaml`;
  const parsed = parse(await readFile(join(ctx.root, file), 'utf8')) as { info?: { title?: unknown; license?: { identifier?: unknown } }; components?: { messages?: object } } | null;
  const info = parsed?.info ?? {};
  const document: EventDocument = { file, title: typeof info.title === 'string' ? info.title : name, messages: Object.keys(parsed?.components?.messages ?? {}) };
  const license = info.license?.identifier;
  // The contract module imports ajv-formats only when a schema uses `format`.
  const contract = await readFile(join(ctx.genDir, 'asyncapi', name, 'contract.ts'), 'utf8').catch(() => '');
  const spec: PackageSpec = {
    name: `${packageScope}/${name}`,
    folder: name,
    description: `Event contract of ${document.title} (${file}): payload types, tolerant decoders, validators, message builders and AMQP topology constants, and helpers to consume and publish with plain amqplib.`,
    keywords: ['contract-first', 'asyncapi', 'events', 'amqp', 'rabbitmq', 'amqplib', name],
    ...(typeof license === 'string' ? { license } : {}),
    contracts: [file],
    modules: {
      'contract.ts': { gen: `asyncapi/${name}/contract.ts` },
      'amqp.ts': { gen: `asyncapi/${name}/amqp.ts` },
    },
    entryPoints: { '.': 'contract.ts', './amqp': 'amqp.ts' },
    dependencies: ['ajv', ...(contract.includes("from 'ajv-formats'") ? ['ajv-formats'] : [])],
    // amqp.ts takes amqplib's channels and deliveries (types only) and sends Buffers; contract.ts needs neither.
    optionalPeerDependencies: ['amqplib'],
    types: ['node'],
    files: { 'asyncapi.yaml': file },
    readme: (context) => eventsReadme(spec, document, context),
  };
  return spec;
}
