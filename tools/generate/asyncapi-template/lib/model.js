/**
 * Reads the parsed AsyncAPI 3 document (parser API v3) into a plain model: AMQP topology from
 * the channel bindings, messages with cleaned schemas, and operations with their routes.
 * Everything the generated module needs is checked here, so that a contract the module cannot
 * express fails generation with a message naming the problem.
 *
 * AMQP conventions (binding 0.3.0 has no field for them):
 * - a queue channel (`is: queue`) lists its exchange bindings in `x-queue-bindings`
 *   (`[{exchange, routingKey}]`) and its `queue.declare` arguments in `x-queue-arguments`;
 * - an operation names its application (the AMQP `appId`) in `x-app-id`.
 * Exchange and queue flags default as amqplib's do: durable, not auto-deleted, not exclusive, vhost `/`.
 */
import { camelCase, fail, isIdentifier, pascalCase } from './code.js';
import { cleanSchema, usesFormat } from './schema.js';

const jsonContentType = 'application/json';

export function buildModel(asyncapi) {
  const info = asyncapi.info();
  const channels = asyncapi.channels().all().map(readChannel);
  const topology = readTopology(channels);
  const messages = asyncapi.messages().all().map((message) => readMessage(message, asyncapi.defaultContentType()));
  const operations = asyncapi.operations().all().map((operation) => readOperation(operation, channels, topology, messages));
  for (const message of messages) attachOperations(message, operations);
  const consumers = readConsumers(operations);
  const ids = new Set();
  const names = [
    ...messages.flatMap((m) => [m.typeName, m.varName]),
    ...operations.flatMap((o) => [...new Set([o.id, o.functionName])]),
    ...consumers.flatMap((c) => [c.handlersName, c.subscribeName, c.queueConstName]),
  ];
  for (const name of names) {
    if (ids.has(name)) fail(`two messages, operations or queues produce the name "${name}"`);
    ids.add(name);
  }
  return {
    title: info.title(),
    version: info.version(),
    description: info.description() ?? '',
    namespace: pascalCase(info.title()),
    topology,
    messages,
    operations,
    consumers,
    usesFormats: messages.some((m) => usesFormat(m.payloadSchema) || usesFormat(m.metadataSchema)),
  };
}

function readChannel(channel) {
  const id = channel.id();
  const binding = channel.bindings().get('amqp');
  if (!binding) fail(`channel "${id}" has no AMQP binding`);
  const amqp = binding.value() ?? {};
  const is = amqp.is ?? 'routingKey';
  if (is === 'routingKey') {
    const exchange = amqp.exchange;
    if (typeof exchange?.name !== 'string' || exchange.name === '') fail(`channel "${id}": the AMQP binding names no exchange`);
    const routingKey = channel.address();
    if (typeof routingKey !== 'string') fail(`channel "${id}" has no address (the routing key)`);
    return {
      id,
      kind: 'routingKey',
      routingKey,
      exchange: {
        name: exchange.name,
        type: exchange.type ?? 'topic',
        durable: exchange.durable ?? true,
        autoDelete: exchange.autoDelete ?? false,
        vhost: exchange.vhost ?? '/',
      },
    };
  }
  const queue = amqp.queue ?? {};
  const name = queue.name ?? channel.address();
  if (typeof name !== 'string' || name === '') fail(`channel "${id}": the AMQP binding names no queue`);
  const bindings = amqp['x-queue-bindings'] ?? [];
  const args = amqp['x-queue-arguments'] ?? {};
  const replaces = amqp['x-replaces-queues'] ?? [];
  if (!Array.isArray(replaces) || replaces.some((old) => typeof old !== 'string' || old === '' || old === name)) {
    fail(`channel "${id}": x-replaces-queues must be a list of the names of older queues (not "${name}" itself)`);
  }
  if (!Array.isArray(bindings)) fail(`channel "${id}": x-queue-bindings must be a list of {exchange, routingKey}`);
  if (args === null || typeof args !== 'object' || Array.isArray(args)) fail(`channel "${id}": x-queue-arguments must be an object`);
  for (const item of bindings) {
    if (typeof item?.exchange !== 'string' || typeof item?.routingKey !== 'string') fail(`channel "${id}": every x-queue-bindings entry needs string exchange and routingKey`);
  }
  return {
    id,
    kind: 'queue',
    queue: {
      name,
      durable: queue.durable ?? true,
      exclusive: queue.exclusive ?? false,
      autoDelete: queue.autoDelete ?? false,
      vhost: queue.vhost ?? '/',
      arguments: args,
      // Older queues this one replaces: the consumer drains each into it and deletes it at start-up.
      replaces,
    },
    bindings: bindings.map((item) => ({ exchange: item.exchange, queue: name, routingKey: item.routingKey })),
  };
}

function readTopology(channels) {
  const exchanges = new Map();
  for (const channel of channels.filter((c) => c.kind === 'routingKey')) {
    const known = exchanges.get(channel.exchange.name);
    if (known && JSON.stringify(known) !== JSON.stringify(channel.exchange)) fail(`exchange "${channel.exchange.name}" is described differently by two channels`);
    exchanges.set(channel.exchange.name, channel.exchange);
  }
  const queues = new Map();
  for (const channel of channels.filter((c) => c.kind === 'queue')) {
    if (queues.has(channel.queue.name)) fail(`queue "${channel.queue.name}" is described by two channels`);
    const deadLetterExchange = channel.queue.arguments['x-dead-letter-exchange'];
    if (deadLetterExchange !== undefined && !exchanges.has(deadLetterExchange)) fail(`queue "${channel.queue.name}" dead-letters to exchange "${deadLetterExchange}", which no channel describes`);
    queues.set(channel.queue.name, channel.queue);
  }
  const bindings = channels.filter((c) => c.kind === 'queue').flatMap((c) => c.bindings);
  for (const binding of bindings) {
    if (!exchanges.has(binding.exchange)) fail(`queue "${binding.queue}" is bound to exchange "${binding.exchange}", which no channel describes`);
  }
  return { exchanges: [...exchanges.values()], queues: [...queues.values()], bindings };
}

function readMessage(message, defaultContentType) {
  const id = message.id();
  const name = message.name() ?? id;
  const payload = message.payload();
  if (!payload) fail(`message "${id}" has no payload schema`);
  const contentType = message.contentType() ?? defaultContentType ?? jsonContentType;
  if (contentType !== jsonContentType) fail(`message "${id}" has content type ${contentType}; only ${jsonContentType} is supported`);
  const amqp = message.bindings().get('amqp')?.value() ?? {};
  if (amqp.contentEncoding !== undefined) fail(`message "${id}": contentEncoding is not supported`);
  const headers = message.headers();
  return {
    id,
    name,
    typeName: pascalCase(name),
    varName: camelCase(name),
    summary: message.summary() ?? '',
    description: message.description() ?? '',
    contentType,
    messageType: amqp.messageType,
    payloadSchema: cleanSchema(payload.json(), `message "${id}" payload`),
    metadataSchema: headers ? cleanSchema(headers.json(), `message "${id}" headers`) : undefined,
    send: undefined,
    receive: undefined,
  };
}

function readOperation(operation, channels, topology, messages) {
  const id = operation.id();
  if (!isIdentifier(id)) fail(`operation id "${id}" is not a TypeScript identifier`);
  const action = operation.action();
  const channelIds = operation.channels().all().map((c) => c.id());
  if (channelIds.length !== 1) fail(`operation "${id}" must reference exactly one channel`);
  const channel = channels.find((c) => c.id === channelIds[0]);
  const messageIds = operation.messages().all().map((m) => m.id());
  if (messageIds.length !== 1) fail(`operation "${id}" must carry exactly one message, found ${messageIds.length}`);
  const message = messages.find((m) => m.id === messageIds[0]);
  const amqp = operation.bindings().get('amqp')?.value() ?? {};
  const appId = operation.extensions().get('x-app-id')?.value();
  const base = { id, action, message, appId, title: operation.title() ?? '', summary: operation.summary() ?? '', description: operation.description() ?? '' };
  if (action === 'send') {
    if (channel.kind !== 'routingKey') fail(`send operation "${id}" must use a routing-key channel (an exchange), not queue "${channel.queue.name}"`);
    return {
      ...base,
      functionName: id,
      channel: channel.id,
      exchange: channel.exchange,
      routingKey: channel.routingKey,
      deliveryMode: amqp.deliveryMode ?? 2,
    };
  }
  if (channel.kind === 'routingKey') fail(`receive operation "${id}" must use a queue channel (is: queue), not the routing key "${channel.routingKey}": a subscription consumes a queue`);
  if (channel.bindings.length === 0) fail(`receive operation "${id}": queue "${channel.queue.name}" has no x-queue-bindings entry, so no message can reach it`);
  const exchangeNames = [...new Set(channel.bindings.map((b) => b.exchange))];
  if (exchangeNames.length !== 1) fail(`receive operation "${id}": queue "${channel.queue.name}" is bound to several exchanges (${exchangeNames.join(', ')}); a subscription reads one exchange`);
  const exchange = topology.exchanges.find((e) => e.name === exchangeNames[0]);
  const args = channel.queue.arguments;
  const deadLetterExchange = args['x-dead-letter-exchange'];
  const deadLetterRoutingKey = args['x-dead-letter-routing-key'];
  let deadLetter;
  if (deadLetterExchange !== undefined) {
    // The runtime dead-letters with the queue's own name as routing key (one DLX can then serve many queues).
    if (deadLetterRoutingKey !== channel.queue.name) {
      fail(`queue "${channel.queue.name}" dead-letters to "${deadLetterExchange}": its x-dead-letter-routing-key must be the queue's name, "${channel.queue.name}"`);
    }
    const deadLetterQueue = topology.bindings.find((b) => b.exchange === deadLetterExchange && b.routingKey === deadLetterRoutingKey)?.queue;
    if (deadLetterQueue === undefined) fail(`queue "${channel.queue.name}" dead-letters to "${deadLetterExchange}" with routing key "${deadLetterRoutingKey}", but no queue is bound there`);
    const deadLetterQueueObject = topology.queues.find((q) => q.name === deadLetterQueue);
    deadLetter = {
      exchange: topology.exchanges.find((e) => e.name === deadLetterExchange),
      routingKey: deadLetterRoutingKey,
      queue: deadLetterQueue,
      arguments: deadLetterQueueObject?.arguments ?? {},
      replaces: deadLetterQueueObject?.replaces ?? [],
    };
  }
  const topics = channel.bindings.map((b) => b.routingKey);
  return {
    ...base,
    // The key of its handler in the queue's handler set.
    functionName: id,
    channel: channel.id,
    exchange,
    // The binding the message's own type travels on, when the queue has one; the first otherwise.
    routingKey: topics.includes(message.messageType) ? message.messageType : topics[0],
    topics,
    queue: channel.queue,
    deadLetter,
  };
}

/**
 * One consumer per queue that receive operations read: its handler set (keyed by operation id),
 * its typed subscribe function and its queue constant, named after the queue channel
 * (`commandsServicePlatformEvents` -> `CommandsServicePlatformEventsHandlers`,
 * `subscribeCommandsServicePlatformEvents`, `commandsServicePlatformEventsQueue`).
 */
function readConsumers(operations) {
  const byChannel = new Map();
  for (const operation of operations.filter((o) => o.action === 'receive')) {
    const list = byChannel.get(operation.channel) ?? [];
    list.push(operation);
    byChannel.set(operation.channel, list);
  }
  return [...byChannel].map(([channelId, receives]) => {
    const types = new Map();
    for (const operation of receives) {
      const type = operation.message.type;
      if (operation.message.messageType === undefined && operation.message.send === undefined && operation.topics.length > 1) {
        fail(`message "${operation.message.id}" reaches queue "${operation.queue.name}" among other routing keys: give it an AMQP messageType so the consumer can tell it apart`);
      }
      if (types.has(type)) fail(`queue channel "${channelId}": operations "${types.get(type)}" and "${operation.id}" both receive messages of type "${type}"; one handler per type`);
      types.set(type, operation.id);
    }
    const [first] = receives;
    const name = pascalCase(channelId);
    return {
      channel: channelId,
      name,
      handlersName: `${name}Handlers`,
      subscribeName: `subscribe${name}`,
      queueConstName: `${camelCase(channelId)}Queue`,
      queue: first.queue,
      exchange: first.exchange,
      topics: first.topics,
      deadLetter: first.deadLetter,
      operations: receives,
    };
  });
}

function attachOperations(message, operations) {
  for (const action of ['send', 'receive']) {
    const matching = operations.filter((o) => o.message === message && o.action === action);
    if (matching.length > 1) fail(`message "${message.id}" has ${matching.length} ${action} operations; the module supports one of each`);
    message[action] = matching[0];
  }
  const metadataAppId = message.metadataSchema?.properties?.appId?.const;
  message.appId = message.send?.appId ?? metadataAppId;
  if (typeof message.appId !== 'string') fail(`message "${message.id}": no application id (x-app-id on its send operation, or a const appId header)`);
  if (metadataAppId !== undefined && metadataAppId !== message.appId) fail(`message "${message.id}": x-app-id "${message.appId}" contradicts the appId header "${metadataAppId}"`);
  const route = message.send ?? message.receive;
  message.type = message.messageType ?? route?.routingKey;
  if (typeof message.type !== 'string') fail(`message "${message.id}" has no AMQP messageType and no operation that gives a routing key`);
}
