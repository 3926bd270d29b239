/**
 * Metadata keys, in one place. The AMQP transport (amqp/message-mapping.ts) carries
 * contentType, type, appId, timestamp and correlationId as message properties (and
 * `Message.id` as `messageId`), every other key as a header.
 */
export const metadataKeys = {
  /** MIME type of the payload; AMQP `contentType` property. */
  contentType: 'contentType',
  /** Event type (equals the routing key for platform events); AMQP `type` property. */
  type: 'type',
  /** Producing application; AMQP `appId` property. */
  appId: 'appId',
  /** Unix epoch milliseconds when the event happened; AMQP `timestamp` property (seconds on the wire). */
  timestamp: 'timestamp',
  /** Correlates everything caused by one request; AMQP `correlationId` property. Set once at the edge. */
  correlationId: 'correlationId',
  /** W3C trace context header, present when a trace is active. */
  traceparent: 'traceparent',
  /** Why a message was dead-lettered (header on dead letters). */
  deadLetterReason: 'x-dead-letter-reason',
  /** Error code of the failure that dead-lettered the message. */
  deadLetterCode: 'x-dead-letter-code',
  /** How many times the handler was attempted before dead-lettering. */
  deadLetterAttempts: 'x-dead-letter-attempts',
  /** How many times the broker dead-lettered the message (sum of AMQP `x-death` counts); set by the AMQP subscriber. */
  deathCount: 'x-death-count',
  /**
   * `true` on a delivery the transport made before (AMQP's `redelivered` flag: a nack with requeue,
   * or a channel or connection lost with the message unacked, even by another consumer process; the
   * in-process bus's redelivery after a rejection); absent on a first delivery. Set by subscribers on
   * what they deliver; an attribute of the delivery, never published.
   */
  redelivered: 'redelivered',
} as const;

/** Whether the transport delivered `message` before (its `redelivered` metadata). */
export function isRedelivered(message: { readonly metadata: Readonly<Record<string, string>> }): boolean {
  return message.metadata[metadataKeys.redelivered] === 'true';
}
