/**
 * Compatibility of two versions of an AsyncAPI 3.0 document over AMQP.
 *
 * The rule for payloads follows the role of each operation, because events have old parties on
 * both ends (rolling deploys, messages waiting in queues, outboxes and dead-letter queues):
 *
 * - `send` operations: consumers built against the old contract read what we now send. The new
 *   payload must not be wider (a new enum value, a looser bound, a field no longer required).
 *   Consumers are tolerant readers: they validate the fields they know and drop the others, so a
 *   new optional field is compatible, unless the old schema was closed (`additionalProperties:
 *   false`): consumers of a version before tolerant reading rejected the fields it did not list.
 * - `receive` operations: producers built against the old contract still send the old shape. The
 *   new payload must not be narrower (a new required field, a removed enum value, a tighter bound).
 * - a removed payload field breaks both: old consumers read it, old producers send it.
 *
 * A message sent and received through this document (our own producer and consumer) must satisfy
 * both rules. Headers follow the same rules as payloads. Channel addresses (routing keys, queue
 * names), the exchanges and queues of AMQP bindings and the queues' bindings are the wiring both
 * ends agree on: removing or changing any of them breaks, adding is compatible. A queue renamed
 * to change its arguments (a classic queue becoming a quorum queue) is named as such: listed by
 * the new queue's `x-replaces-queues`, it is migrated by its consumer at start-up, still a
 * breaking change for anything else that reads the old queue by name.
 */
import { createChangeSink, type Change, type ChangeSink } from './change.ts';
import { deref, isObject, refName, type Json } from './json-ref.ts';
import { createSchemaComparer, type SchemaComparer, type SchemaRole } from './schema-compat.ts';

interface Context {
  readonly before: Json;
  readonly after: Json;
  readonly schemas: SchemaComparer;
  readonly sink: ChangeSink;
}

const exchangeFields = ['name', 'type', 'durable', 'autoDelete', 'vhost'];
const queueFields = ['name', 'durable', 'exclusive', 'autoDelete', 'vhost'];

export function compareAsyncapi(before: Json, after: Json): Change[] {
  for (const [which, document] of [['old', before], ['new', after]] as const) {
    if (typeof document.asyncapi !== 'string' || !document.asyncapi.startsWith('3.')) {
      throw new Error(`cannot compare AsyncAPI documents: the ${which} one is not AsyncAPI 3 (asyncapi: ${String(document.asyncapi)})`);
    }
  }
  const ctx: Context = { before, after, schemas: createSchemaComparer(before, after), sink: createChangeSink() };
  compareChannels(ctx);
  compareOperations(ctx);
  return ctx.sink.list();
}

function compareChannels(ctx: Context): void {
  const { sink } = ctx;
  const oldChannels = entries(ctx.before, ctx.before.channels);
  const newChannels = entries(ctx.after, ctx.after.channels);
  for (const [id, channel] of oldChannels) {
    if (!newChannels.has(id)) sink.add('breaking', `channel ${id} (${String(channel.address)}) removed`);
  }
  for (const [id, channel] of newChannels) {
    if (!oldChannels.has(id)) sink.add('non-breaking', `channel ${id} (${String(channel.address)}) added`);
  }
  for (const [id, before] of oldChannels) {
    const after = newChannels.get(id);
    if (!after) continue;
    const site = `channel ${id}`;
    if (before.address !== after.address) sink.add('breaking', `channel ${id} address (routing key or queue name) ${String(before.address)} → ${String(after.address)}`);
    compareAmqpChannelBinding(before, after, id, ctx);
    const oldMessages = entries(ctx.before, before.messages);
    const newMessages = entries(ctx.after, after.messages);
    for (const name of oldMessages.keys()) if (!newMessages.has(name)) sink.add('breaking', `message ${name} removed from channel ${id}`, site);
    for (const name of newMessages.keys()) if (!oldMessages.has(name)) sink.add('non-breaking', `message ${name} added to channel ${id}`, site);
  }
}

function compareAmqpChannelBinding(beforeChannel: Json, afterChannel: Json, id: string, ctx: Context): void {
  const { sink } = ctx;
  const before = amqpBinding(ctx.before, beforeChannel);
  const after = amqpBinding(ctx.after, afterChannel);
  const what = `channel ${id} AMQP binding`;
  if (before.is !== after.is) sink.add('breaking', `${what}: is ${String(before.is)} → ${String(after.is)}`);
  const oldQueue = asObject(before.queue)?.name;
  const newQueue = asObject(after.queue)?.name;
  const renamed = typeof oldQueue === 'string' && typeof newQueue === 'string' && oldQueue !== newQueue;
  // A queue of a new name that names the old one in x-replaces-queues: its consumer migrates the old queue at start-up.
  const replaced = renamed && asArray(after['x-replaces-queues']).includes(oldQueue);
  if (replaced) {
    sink.add(
      'breaking',
      `${what}: queue ${oldQueue} replaced by ${newQueue} (x-replaces-queues): its consumer moves the messages of ${oldQueue} into ${newQueue} and deletes ${oldQueue} at start-up; anything else reading ${oldQueue} by name stops receiving messages`,
    );
  } else if (renamed) {
    sink.add('breaking', `${what}: queue ${oldQueue} renamed ${newQueue} without x-replaces-queues naming ${oldQueue}: the messages waiting in it would be stranded`);
  }
  for (const [entity, fields] of [['exchange', exchangeFields], ['queue', queueFields]] as const) {
    const a = asObject(before[entity]) ?? {};
    const b = asObject(after[entity]) ?? {};
    for (const field of fields) {
      if (entity === 'queue' && field === 'name' && renamed) continue;
      // RabbitMQ refuses to redeclare an exchange or queue with other properties, and a renamed one
      // is another entity: either way the other end no longer meets us.
      if (a[field] !== b[field]) sink.add('breaking', `${what}: ${entity} ${field} ${brief(a[field])} → ${brief(b[field])}`);
    }
  }
  const bindingKey = (binding: unknown): string => {
    const b = asObject(binding) ?? {};
    return `exchange ${String(b.exchange)} with routing key ${String(b.routingKey)}`;
  };
  const oldBindings = new Set(asArray(before['x-queue-bindings']).map(bindingKey));
  const newBindings = new Set(asArray(after['x-queue-bindings']).map(bindingKey));
  for (const binding of oldBindings) if (!newBindings.has(binding)) sink.add('breaking', `${what}: queue no longer bound to ${binding}`);
  for (const binding of newBindings) if (!oldBindings.has(binding)) sink.add('non-breaking', `${what}: queue now also bound to ${binding}`);
  const oldArguments = asObject(before['x-queue-arguments']) ?? {};
  const newArguments = asObject(after['x-queue-arguments']) ?? {};
  for (const name of new Set([...Object.keys(oldArguments), ...Object.keys(newArguments)])) {
    if (JSON.stringify(oldArguments[name]) === JSON.stringify(newArguments[name])) continue;
    const change = name === 'x-queue-type' ? `queue type ${queueType(oldArguments[name])} → ${queueType(newArguments[name])}` : `queue argument ${name} ${brief(oldArguments[name])} → ${brief(newArguments[name])}`;
    if (replaced) sink.add('non-breaking', `${what}: ${change} (on the new queue ${String(newQueue)}, which replaces ${String(oldQueue)})`);
    else if (renamed) sink.add('breaking', `${what}: ${change}`);
    else sink.add('breaking', `${what}: ${change} (RabbitMQ refuses to redeclare a queue with other arguments: declare it under a new name that lists the old one in x-replaces-queues)`);
  }
}

/** The queue type an `x-queue-type` argument declares (none: classic). */
function queueType(value: unknown): string {
  return value === undefined ? 'classic' : typeof value === 'string' ? value : JSON.stringify(value);
}

function compareOperations(ctx: Context): void {
  const { sink } = ctx;
  const oldOperations = entries(ctx.before, ctx.before.operations);
  const newOperations = entries(ctx.after, ctx.after.operations);
  for (const [id, operation] of oldOperations) {
    if (!newOperations.has(id)) sink.add('breaking', `operation ${id} (${String(operation.action)} on ${channelId(operation)}) removed`);
  }
  for (const [id, operation] of newOperations) {
    if (!oldOperations.has(id)) sink.add('non-breaking', `operation ${id} (${String(operation.action)} on ${channelId(operation)}) added`);
  }
  for (const [id, before] of oldOperations) {
    const after = newOperations.get(id);
    if (!after) continue;
    const site = `${String(after.action)} ${id}`;
    if (before.action !== after.action) {
      sink.add('breaking', `operation ${id}: action ${String(before.action)} → ${String(after.action)}`);
      continue;
    }
    if (channelId(before) !== channelId(after)) sink.add('breaking', `operation ${id}: channel ${channelId(before)} → ${channelId(after)}`);
    const sends = after.action === 'send';
    const oldMessages = operationMessages(ctx.before, before);
    const newMessages = operationMessages(ctx.after, after);
    for (const name of oldMessages.keys()) {
      if (!newMessages.has(name)) sink.add('breaking', `operation ${id} no longer ${sends ? 'sends' : 'receives'} message ${name}`);
    }
    for (const name of newMessages.keys()) {
      if (oldMessages.has(name)) continue;
      if (sends) sink.add('breaking', `operation ${id} now also sends message ${name} (old consumers do not know it)`);
      else sink.add('non-breaking', `operation ${id} now also receives message ${name}`);
    }
    for (const [name, message] of oldMessages) {
      const next = newMessages.get(name);
      if (next) compareMessage(message, next, sends, site, ctx);
    }
  }
}

function compareMessage(before: Json, after: Json, sends: boolean, site: string, ctx: Context): void {
  const { sink } = ctx;
  const name = messageName(after);
  if (contentType(before, ctx.before) !== contentType(after, ctx.after)) {
    sink.add('breaking', `message ${name}: content type ${brief(contentType(before, ctx.before))} → ${brief(contentType(after, ctx.after))}`, site);
  }
  const oldType = asObject(asObject(before.bindings)?.amqp)?.messageType;
  const newType = asObject(asObject(after.bindings)?.amqp)?.messageType;
  if (oldType !== newType) sink.add('breaking', `message ${name}: AMQP type ${brief(oldType)} → ${brief(newType)}`, site);
  const flow: SchemaRole['flow'] = sends ? 'output' : 'input';
  for (const [part, subject] of [['payload', 'payload'], ['headers', 'metadata']] as const) {
    const role: SchemaRole = { flow, strictReaders: true, subject, peers: sends ? 'consumers' : 'producers' };
    for (const finding of ctx.schemas.compare(before[part], after[part], role)) sink.add(finding.severity, finding.message, site);
  }
}

function contentType(message: Json, document: Json): unknown {
  return message.contentType ?? document.defaultContentType;
}

/** The messages of an operation by name (the operation's own list, or else its channel's). */
function operationMessages(document: Json, operation: Json): Map<string, Json> {
  const listed = asArray(operation.messages);
  const channel = asObject(deref(document, operation.channel)) ?? {};
  const raw = listed.length > 0 ? listed : Object.values(asObject(channel.messages) ?? {});
  const messages = new Map<string, Json>();
  for (const item of raw) {
    const message = asObject(deref(document, item));
    if (message) messages.set(messageName(message, item), message);
  }
  return messages;
}

function messageName(message: Json, reference?: unknown): string {
  if (typeof message.name === 'string') return message.name;
  const ref = asObject(reference)?.$ref;
  return typeof ref === 'string' ? refName(ref) : '(unnamed)';
}

function channelId(operation: Json): string {
  const ref = asObject(operation.channel)?.$ref;
  return typeof ref === 'string' ? refName(ref) : '(inline channel)';
}

function amqpBinding(document: Json, channel: Json): Json {
  const bindings = asObject(deref(document, channel.bindings)) ?? {};
  return asObject(deref(document, bindings.amqp)) ?? {};
}

function entries(document: Json, map: unknown): Map<string, Json> {
  return new Map(Object.entries(asObject(map) ?? {}).map(([key, value]) => [key, asObject(deref(document, value)) ?? {}]));
}

function asObject(value: unknown): Json | undefined {
  return isObject(value) ? value : undefined;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function brief(value: unknown): string {
  return value === undefined ? 'none' : JSON.stringify(value);
}
