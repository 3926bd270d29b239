/**
 * The AsyncAPI contract and its generation step: the document is valid and says what the
 * architecture's wire contract says; generation writes the module and the HTML docs,
 * byte-identical on every run, removes stale output and leaves the repository untouched.
 * (The generated module's behaviour: asyncapi-module.test.ts.)
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import type { AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAsyncapi, typescriptTemplateDir } from './asyncapi.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const contractsDir = join(root, 'contracts');
const contractFile = join(contractsDir, 'asyncapi', 'platform-events.yaml');
const context = (genDir: string) => ({ root, contractsDir, genDir });

const temps: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'asyncapi-gen-'));
  temps.push(dir);
  return dir;
}
afterAll(() => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Every file below `dir` by relative path, with its bytes, sorted. */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const entries: [string, Buffer][] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) entries.push([relative(dir, join(entry.parentPath, entry.name)), await readFile(join(entry.parentPath, entry.name))]);
  }
  return new Map(entries.toSorted(([a], [b]) => (a < b ? -1 : 1)));
}

/** The AMQP binding of `item` (a channel, operation or message), as written in the contract. */
function amqp(item: { bindings(): { get(name: string): { value(): unknown } | undefined } }): Record<string, unknown> {
  return (item.bindings().get('amqp')?.value() ?? {}) as Record<string, unknown>;
}

describe('asyncapi contract', () => {
  let document: AsyncAPIDocumentInterface;
  let errors: string[];
  beforeAll(async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(await readFile(contractFile, 'utf8'), { source: contractFile });
    errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => `${d.path.join('.')}: ${d.message}`);
    if (!parsed) throw new Error(`cannot parse the contract: ${errors.join('; ')}`);
    document = parsed;
  });

  it('parses-without-error-diagnostics', () => {
    expect(errors).toEqual([]);
  });

  it('is-an-asyncapi-3.0-document-for-a-local-amqp-server', () => {
    expect(document.version()).toBe('3.0.0');
    const servers = document.servers().all().map((s) => `${s.protocol()} ${s.host()}`);
    expect(servers).toEqual(['amqp localhost:5672']);
  });

  it('binds-the-routing-key-to-the-durable-topic-exchange', () => {
    const channel = document.channels().get('platformPublished');
    expect(channel?.address()).toBe('platform.published');
    expect(channel && amqp(channel)).toEqual({
      is: 'routingKey',
      exchange: { name: 'platform.events', type: 'topic', durable: true, autoDelete: false, vhost: '/' },
    });
  });

  it('describes-the-commands-service-quorum-queue-its-dead-letters-and-the-queues-they-replace', () => {
    const queue = document.channels().get('commandsServicePlatformEvents');
    expect(queue && amqp(queue)).toEqual({
      is: 'queue',
      queue: { name: 'commands-service.platform-events.v2', durable: true, exclusive: false, autoDelete: false, vhost: '/' },
      'x-queue-bindings': [
        { exchange: 'platform.events', routingKey: 'platform.published' },
        { exchange: 'platform.events', routingKey: 'platform.updated' },
        { exchange: 'platform.events', routingKey: 'platform.deleted' },
      ],
      'x-queue-arguments': {
        'x-queue-type': 'quorum',
        'x-delivery-limit': 20,
        'x-dead-letter-exchange': 'platform.events.dlx',
        'x-dead-letter-routing-key': 'commands-service.platform-events.v2',
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish',
      },
      'x-replaces-queues': ['commands-service.platform-events'],
    });
    const dlx = document.channels().get('platformEventsDeadLetters');
    expect(dlx && amqp(dlx)).toMatchObject({ is: 'routingKey', exchange: { name: 'platform.events.dlx', type: 'topic', durable: true } });
    const dlq = document.channels().get('commandsServicePlatformEventsDlq');
    expect(dlq && amqp(dlq)).toMatchObject({
      is: 'queue',
      queue: { name: 'commands-service.platform-events.v2.dlq', durable: true },
      'x-queue-bindings': [
        { exchange: 'platform.events.dlx', routingKey: 'commands-service.platform-events.v2' },
        { exchange: 'platform.events.dlx', routingKey: 'commands-service.platform-events' },
      ],
      'x-queue-arguments': { 'x-queue-type': 'quorum' },
      'x-replaces-queues': ['commands-service.platform-events.dlq'],
    });
  });

  it('has-platform-service-send-and-commands-service-receive-each-platform-event', () => {
    const operations = document.operations().all().map((o) => ({
      id: o.id(),
      action: o.action(),
      channel: o.channels().all().map((c) => c.id()),
      messages: o.messages().all().map((m) => m.id()),
      app: o.extensions().get('x-app-id')?.value(),
      amqp: amqp(o),
    }));
    const send = (name: string, channel: string) => ({
      id: `publish${name}`,
      action: 'send',
      channel: [channel],
      messages: [name],
      app: 'platform-service',
      amqp: { deliveryMode: 2, mandatory: false, timestamp: true },
    });
    const receive = (name: string) => ({ id: `receive${name}`, action: 'receive', channel: ['commandsServicePlatformEvents'], messages: [name], app: 'commands-service', amqp: { ack: true } });
    expect(operations).toEqual([
      send('PlatformPublished', 'platformPublished'),
      send('PlatformUpdated', 'platformUpdated'),
      send('PlatformDeleted', 'platformDeleted'),
      receive('PlatformPublished'),
      receive('PlatformUpdated'),
      receive('PlatformDeleted'),
    ]);
  });

  it.each([
    ['PlatformUpdated', 'platform.updated', ['id', 'name', 'publisher', 'cost', 'version']],
    ['PlatformDeleted', 'platform.deleted', ['id', 'version']],
  ])('describes-%s-with-its-routing-key-type-and-versioned-open-payload', (name, type, required) => {
    const message = document.messages().get(name);
    if (!message) throw new Error(`no ${name} message`);
    expect(amqp(message)).toEqual({ messageType: type });
    expect(document.channels().all().find((c) => c.address() === type)).toBeDefined();
    const payload = message.payload()?.json() as Record<string, unknown>;
    expect(payload).toMatchObject({ type: 'object', required });
    expect(payload).not.toHaveProperty('additionalProperties');
    expect((payload['properties'] as Record<string, unknown>)['version']).toMatchObject({ type: 'integer', minimum: 2 });
    const headers = message.headers()?.json() as { properties: { type: { const: string } }; required: string[] };
    expect(headers.properties.type.const).toBe(type);
    expect(headers.required).toEqual(['contentType', 'type', 'appId', 'timestamp']);
  });

  it('describes-platform-published-as-persistent-json-with-an-open-payload', () => {
    const message = document.messages().get('PlatformPublished');
    if (!message) throw new Error('no PlatformPublished message');
    expect(message.contentType()).toBe('application/json');
    expect(amqp(message)).toEqual({ messageType: 'platform.published' });
    expect(message.correlationId()?.location()).toBe('$message.header#/correlationId');
    const payload = message.payload()?.json() as Record<string, unknown>;
    expect(payload).toMatchObject({ type: 'object', required: ['id', 'name', 'publisher', 'cost'] });
    // Tolerant readers: a new optional field is an additive change.
    expect(payload).not.toHaveProperty('additionalProperties');
    expect(payload['properties']).toMatchObject({
      id: { type: 'integer', minimum: 1 },
      name: { type: 'string', minLength: 1 },
      publisher: { type: 'string', minLength: 1 },
      cost: { type: 'string', minLength: 1 },
    });
    const headers = message.headers()?.json() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(headers.properties)).toEqual(expect.arrayContaining(['traceparent', 'correlationId', 'x-dead-letter-reason']));
    expect(headers.required).not.toContain('traceparent');
    expect(message.examples().length).toBeGreaterThan(0);
  });
});

describe('asyncapi generation', () => {
  let first: string;
  beforeAll(async () => {
    first = await tempDir();
    await generateAsyncapi(context(first));
  }, 120_000);

  it('writes-the-modules-and-one-self-contained-html-page', async () => {
    expect([...(await snapshot(join(first, 'asyncapi'))).keys()]).toEqual(['html/index.html', 'platform-events/amqp.ts', 'platform-events/contract.ts', 'platform-events/index.ts']);
    const html = await readFile(join(first, 'asyncapi/html/index.html'), 'utf8');
    expect(html).toMatch(/<title>Platform events \d+\.\d+\.\d+ documentation<\/title>/);
    // Offline: scripts and styles are inline, nothing is loaded from elsewhere.
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+rel="stylesheet"/);
    expect(html).not.toContain(root);
  });

  it('is-byte-identical-across-runs', async () => {
    const second = await tempDir();
    await generateAsyncapi(context(second));
    const [a, b] = [await snapshot(first), await snapshot(second)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect([...a].filter(([path, bytes]) => !b.get(path)?.equals(bytes)).map(([path]) => path)).toEqual([]);
  }, 120_000);

  it('removes-stale-output', async () => {
    const genDir = await tempDir();
    await mkdir(join(genDir, 'asyncapi/old-events'), { recursive: true });
    await writeFile(join(genDir, 'asyncapi/old-events/index.ts'), '// from a contract that no longer exists\n');
    await generateAsyncapi(context(genDir), { html: false });
    expect(existsSync(join(genDir, 'asyncapi/old-events'))).toBe(false);
    expect(existsSync(join(genDir, 'asyncapi/platform-events/index.ts'))).toBe(true);
  }, 60_000);

  it('emits-erasable-typescript-that-node-can-strip', async () => {
    for (const file of ['index.ts', 'contract.ts']) {
      const source = await readFile(join(first, 'asyncapi/platform-events', file), 'utf8');
      expect(() => stripTypeScriptTypes(source, { mode: 'strip' })).not.toThrow();
      expect(source).toMatch(/^\/\/ Generated by tools\/generate\/asyncapi\.ts from contracts\/asyncapi\/platform-events\.yaml/);
    }
  });

  it('leaves-the-template-folder-untouched', () => {
    // The generator transpiles into <template>/__transpiled; the step transpiles a staged copy instead.
    expect(existsSync(join(typescriptTemplateDir, '__transpiled'))).toBe(false);
  });
});
