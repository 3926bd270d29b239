import { randomUUID } from 'node:crypto';
import type { ConsumeMessage, Options } from 'amqplib';
import { AppError, errorCodes } from '../errors/index.ts';
import type { Message } from '../messaging/message.ts';
import { metadataKeys } from '../messaging/metadata.ts';

/**
 * Message -> AMQP: persistent; `id` as `messageId`; contentType, type, appId, correlationId
 * and timestamp (epoch milliseconds in metadata, whole seconds on the wire) as properties;
 * every other metadata key as a string header.
 */
export function toPublishOptions(message: Message): Options.Publish {
  const headers: Record<string, string> = {};
  const options: Options.Publish = { persistent: true, messageId: message.id, headers };
  for (const [key, value] of Object.entries(message.metadata)) {
    if (key === metadataKeys.contentType) options.contentType = value;
    else if (key === metadataKeys.type) options.type = value;
    else if (key === metadataKeys.appId) options.appId = value;
    else if (key === metadataKeys.correlationId) options.correlationId = value;
    else if (key === metadataKeys.timestamp) options.timestamp = toSeconds(message.id, value);
    else if (key !== metadataKeys.redelivered) headers[key] = value;
  }
  return options;
}

/** Metadata keys carried by AMQP properties or delivery fields: a header of the same name never stands in for them. */
const propertyKeys: ReadonlySet<string> = new Set([metadataKeys.contentType, metadataKeys.type, metadataKeys.appId, metadataKeys.correlationId, metadataKeys.timestamp, metadataKeys.redelivered]);

/**
 * AMQP -> Message, the inverse of `toPublishOptions`. Headers that are not strings become
 * strings (numbers and booleans as text, buffers as UTF-8, anything else as JSON); the
 * `x-death` list becomes the `x-death-count` metadata key (sum of its counts). Headers named
 * like a key carried by a property (`contentType`, `type`, ...) are ignored: a message without
 * the property has no such metadata. The delivery's `redelivered` flag becomes the `redelivered`
 * metadata key (`true`; absent on a first delivery). A delivery without `messageId` (not published
 * by this runtime) gets a fresh id.
 */
export function fromDelivery(delivery: ConsumeMessage): Message {
  const { properties } = delivery;
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(properties.headers ?? {})) {
    if (key === 'x-death') metadata[metadataKeys.deathCount] = String(deathCount(value));
    else if (value !== undefined && value !== null && !propertyKeys.has(key)) metadata[key] = headerText(value);
  }
  if (typeof properties.contentType === 'string') metadata[metadataKeys.contentType] = properties.contentType;
  if (typeof properties.type === 'string') metadata[metadataKeys.type] = properties.type;
  if (typeof properties.appId === 'string') metadata[metadataKeys.appId] = properties.appId;
  if (typeof properties.correlationId === 'string') metadata[metadataKeys.correlationId] = properties.correlationId;
  if (typeof properties.timestamp === 'number') metadata[metadataKeys.timestamp] = String(properties.timestamp * 1000);
  if (delivery.fields.redelivered) metadata[metadataKeys.redelivered] = 'true';
  const id = typeof properties.messageId === 'string' && properties.messageId !== '' ? properties.messageId : randomUUID();
  return { id, payload: new Uint8Array(delivery.content.buffer, delivery.content.byteOffset, delivery.content.byteLength), metadata };
}

function toSeconds(messageId: string, milliseconds: string): number {
  const value = Number(milliseconds);
  if (milliseconds.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new AppError(errorCodes.invalidArgument, `cannot publish message ${messageId}: timestamp metadata must be epoch milliseconds, got "${milliseconds}"`);
  }
  return Math.floor(value / 1000);
}

/** Sum of the `count`s of an `x-death` list; what is not a count (a header some client forged) counts 0, so the sum stays a count. */
function deathCount(value: unknown): number {
  return Array.isArray(value) ? value.reduce<number>((sum, death) => sum + countOf(death), 0) : 0;
}

function countOf(death: unknown): number {
  const count = (death as { count?: unknown } | null)?.count;
  return Number.isSafeInteger(count) && (count as number) >= 0 ? (count as number) : 0;
}

function headerText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}
