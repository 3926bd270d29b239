/** HTTP header names the REST runtime reads or writes, in one place (lower case, as Node reports them). */
export const restHeaders = {
  /** Correlates a request across services and log lines; honoured when valid, generated otherwise, always echoed. */
  requestId: 'x-request-id',
  /** Methods a path supports, on 405 answers. */
  allow: 'allow',
  contentType: 'content-type',
} as const;

/** Media types of REST bodies. */
export const mediaTypes = {
  json: 'application/json',
  problem: 'application/problem+json',
} as const;
