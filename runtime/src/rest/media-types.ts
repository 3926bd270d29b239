/** Media types of REST bodies. Header names live in runtime/src/http/headers.ts. */
export const mediaTypes = {
  json: 'application/json',
  problem: 'application/problem+json',
} as const;
