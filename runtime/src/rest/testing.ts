/**
 * `@platform/runtime/rest/testing`: what tests use to watch every answer a REST server or the
 * gateway gives (the contract conformance recorder). Not for production code.
 */
export { exchangeObserver, exchangeObserverKey, observeExchanges } from './exchange-observer.ts';
export type { ExchangeObserver, ObservedExchange } from './exchange-observer.ts';
