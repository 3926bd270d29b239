/**
 * A test seam: one process-wide observer that is told every answer the REST binder and the
 * gateway give, so a test run can check each against the contract (tools/conformance). Production
 * never installs one; then recording costs one property read per request.
 *
 * The observer lives in a global slot, not in this module, so every copy of the runtime in a
 * process (Node's loader and a test runner's) and a preload module (`node --import`) share it.
 * This file imports nothing, so such a preload stays cheap.
 */

/** One answer as it went out. */
export interface ObservedExchange {
  /** The contract the answer belongs to, e.g. `contracts/openapi/platform-service.yaml`. */
  readonly contract: string;
  /** Who answered: the service's binder, or the gateway in front of it (its own answers only). */
  readonly by: 'service' | 'gateway';
  readonly method: string;
  /** The request path, without the query. */
  readonly path: string;
  /** The query string without `?`; empty when there is none. */
  readonly query: string;
  readonly status: number;
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | number>>;
  /** The body as UTF-8 text; undefined when it was longer than the capture limit. */
  readonly body: string | undefined;
  readonly bodyBytes: number;
}

export type ExchangeObserver = (exchange: ObservedExchange) => void;

/** Key of the global slot holding the observer. */
export const exchangeObserverKey = Symbol.for('platform.rest.exchange-observer');

type Slot = { [exchangeObserverKey]?: ExchangeObserver };

/** The installed observer, if any. */
export function exchangeObserver(): ExchangeObserver | undefined {
  return (globalThis as Slot)[exchangeObserverKey];
}

/** Installs the process-wide observer (undefined removes it). */
export function observeExchanges(observer: ExchangeObserver | undefined): void {
  (globalThis as Slot)[exchangeObserverKey] = observer;
}
