export { headerNames } from './headers.ts';
export type { HeaderName } from './headers.ts';
export { traceparentFrom } from './trace-context.ts';
export { nodeFetch } from './node-fetch.ts';
export { localUrl } from './local-url.ts';
export { drainable } from './drain.ts';
export type { Drainable, DrainOptions, DrainResult } from './drain.ts';
export { serveUnknownExpectations } from './expectations.ts';
export { answerClientErrors } from './client-errors.ts';
