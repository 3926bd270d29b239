/**
 * The consuming queues of an AsyncAPI document as the event fuzzer sees them: each queue (an
 * `is: queue` channel that receive operations read), the application that consumes it
 * (`x-app-id` of those operations), its exchange and routing keys (`x-queue-bindings`), and every
 * message it receives with its AMQP type, content type and resolved payload and metadata schemas.
 * Read from the document, so a message a queue gains is fuzzed without touching the fuzzer.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repositoryRoot } from '../contract.ts';

type Json = Readonly<Record<string, unknown>>;

export interface EventMessageContract {
  /** Component name: `PlatformPublished`. */
  readonly name: string;
  /** AMQP `type` property and routing key: `platform.published`. */
  readonly type: string;
  readonly contentType: string;
  /** The payload's JSON schema, `$ref`s resolved at every depth. */
  readonly payload: Json;
  /** The metadata's JSON schema (AMQP properties and headers), `$ref`s resolved at every depth. */
  readonly metadata: Json;
}

export interface EventQueueContract {
  /** The document's queue name (tests consume a uniquely named copy). */
  readonly queue: string;
  /** `x-app-id` of the receive operations: the part that consumes the queue. */
  readonly consumer: string;
  /** The exchange the queue is bound to. */
  readonly exchange: string;
  readonly routingKeys: readonly string[];
  readonly messages: readonly EventMessageContract[];
}

export interface EventContract {
  /** Repository-relative file. */
  readonly file: string;
  readonly queues: readonly EventQueueContract[];
}

/** Follows local `$ref`s everywhere in `value` (schemas in the contracts are not recursive). */
function resolveDeep(document: Json, value: unknown, depth = 0): unknown {
  if (depth > 50) throw new Error('cannot read the AsyncAPI document: $refs nest more than 50 deep (a recursive schema?)');
  if (Array.isArray(value)) return value.map((item) => resolveDeep(document, item, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const node = value as Json;
  if (typeof node.$ref === 'string') {
    const target = node.$ref
      .replace(/^#\//, '')
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>((at, key) => (at as Json | undefined)?.[key], document);
    if (target === undefined) throw new Error(`cannot read the AsyncAPI document: ${node.$ref} points at nothing`);
    return resolveDeep(document, target, depth + 1);
  }
  return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, resolveDeep(document, item, depth + 1)]));
}

/** The queues of an AsyncAPI 3 document that receive operations consume. */
export function eventContractOf(file: string, raw: Json): EventContract {
  const document = resolveDeep(raw, raw) as Json;
  const operations = Object.values((document.operations ?? {}) as Record<string, Json>).filter((operation) => operation.action === 'receive');
  const byQueue = new Map<string, { channel: Json; consumer: string; messages: Json[] }>();
  for (const operation of operations) {
    const channel = operation.channel as Json;
    const amqp = ((channel.bindings as Json | undefined)?.amqp ?? {}) as Json;
    if (amqp.is !== 'queue') continue;
    const queue = String((amqp.queue as Json | undefined)?.name ?? channel.address);
    const entry = byQueue.get(queue) ?? { channel, consumer: String(operation['x-app-id'] ?? ''), messages: [] };
    entry.messages.push(...((operation.messages ?? []) as Json[]));
    byQueue.set(queue, entry);
  }
  const queues = [...byQueue].map(([queue, { channel, consumer, messages }]) => {
    const amqp = (channel.bindings as Json).amqp as Json;
    const bindings = (amqp['x-queue-bindings'] ?? []) as Json[];
    const exchanges = [...new Set(bindings.map((binding) => String(binding.exchange)))];
    if (exchanges.length !== 1) throw new Error(`cannot fuzz queue ${queue}: the fuzzer publishes to one exchange, it is bound to ${exchanges.length}`);
    const contracts = messages.map((message): EventMessageContract => {
      const headers = (message.headers ?? {}) as Json;
      const type = ((message.bindings as Json | undefined)?.amqp as Json | undefined)?.messageType ?? ((headers.properties as Json | undefined)?.type as Json | undefined)?.const;
      if (typeof type !== 'string') throw new Error(`cannot fuzz message ${String(message.name)}: it has no AMQP messageType`);
      return {
        name: String(message.name),
        type,
        contentType: String(message.contentType ?? document.defaultContentType ?? 'application/json'),
        payload: (message.payload ?? {}) as Json,
        metadata: headers,
      };
    });
    return { queue, consumer, exchange: exchanges[0] as string, routingKeys: bindings.map((binding) => String(binding.routingKey)), messages: contracts };
  });
  return { file, queues };
}

/** The platform's AsyncAPI document (contracts/asyncapi/platform-events.yaml), read for fuzzing. */
export async function loadEventContract(root = repositoryRoot, file = 'contracts/asyncapi/platform-events.yaml'): Promise<EventContract> {
  return eventContractOf(file, parse(await readFile(join(root, file), 'utf8')) as Json);
}
