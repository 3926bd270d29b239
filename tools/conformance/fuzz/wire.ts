/**
 * Event messages as they travel on AMQP, written independently of the runtime (the fuzzer sends
 * with plain amqplib): a draft holds what a producer means to send, the payload and the metadata
 * as the contract's headers schema names it, and `toPublish` puts it on the wire the way the
 * platform's transport does (runtime/src/amqp/message-mapping.ts): persistent, the event id as
 * `messageId`, `contentType`, `type`, `appId` and `correlationId` as properties, `timestamp`
 * (epoch milliseconds in the metadata) in whole seconds as the property, every other key a header.
 */
import type { Options } from 'amqplib';

/** Metadata keys the transport carries as AMQP properties. */
export const propertyKeys = ['contentType', 'type', 'appId', 'correlationId', 'timestamp'] as const;

const isPropertyKey = (key: string): key is (typeof propertyKeys)[number] => (propertyKeys as readonly string[]).includes(key);

/** A message before it is put on the wire. Mutations change a draft. */
export interface Draft {
  readonly routingKey: string;
  /** The JSON payload; ignored when `body` is set. */
  readonly payload: unknown;
  /** Raw body bytes, for payloads that are not JSON of a value. */
  readonly body?: Buffer;
  /** Metadata as the consumer sees it; a key whose value is undefined is not sent. Non-string values only as headers. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** The AMQP `messageId`; undefined sends none. */
  readonly messageId: string | undefined;
  /** AMQP options laid over what the mapping produced (headers merged), for mutations of the wire itself. */
  readonly amqp?: Options.Publish;
}

export interface Publish {
  readonly routingKey: string;
  readonly body: Buffer;
  readonly options: Options.Publish;
}

/** The bytes and AMQP options of a draft. */
export function toPublish(draft: Draft): Publish {
  const headers: Record<string, unknown> = {};
  const options: Options.Publish = { persistent: true, headers };
  if (draft.messageId !== undefined) options.messageId = draft.messageId;
  for (const [key, value] of Object.entries(draft.metadata)) {
    if (value === undefined) continue;
    if (!isPropertyKey(key)) headers[key] = value;
    else if (key === 'timestamp') options.timestamp = Math.floor(Number(value) / 1000);
    else options[key] = String(value);
  }
  const { headers: extraHeaders, ...extra } = draft.amqp ?? {};
  Object.assign(options, extra, { headers: { ...headers, ...extraHeaders } });
  return { routingKey: draft.routingKey, body: draft.body ?? Buffer.from(JSON.stringify(draft.payload) ?? 'null'), options };
}

/**
 * The text the consumer reads from a header value, as the transport documents it: strings as
 * they are, numbers and booleans as text, byte arrays as UTF-8, anything else as JSON.
 */
export function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
