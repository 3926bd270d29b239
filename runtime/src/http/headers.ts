/**
 * HTTP header names used across the platform, in one place, lower-case as Node presents them.
 * REST servers, the gateway and clients read and write these; nothing spells them inline.
 */
export const headerNames = {
  /** Identifies one request end to end; honoured when a caller sends a sane one, else generated at the edge. */
  requestId: 'x-request-id',
  /** W3C trace context, forwarded unchanged when present. */
  traceparent: 'traceparent',
  /** W3C trace context vendor data, forwarded with traceparent. */
  tracestate: 'tracestate',
  /** The representation's version (RFC 9110): a strong entity tag, `"3"`. */
  etag: 'etag',
  /** Makes a write conditional on the current entity tag (RFC 9110): `*` or a list of entity tags. */
  ifMatch: 'if-match',
  /** Methods a resource offers: on 405 and on OPTIONS answers. */
  allow: 'allow',
  /** Content codings the server decodes in request bodies: on 415 answers for an unknown coding. */
  acceptEncoding: 'accept-encoding',
} as const;

export type HeaderName = (typeof headerNames)[keyof typeof headerNames];
