/**
 * Preloaded into every Node process a test run starts (`node --import`, through NODE_OPTIONS set by
 * global-setup.ts): installs the exchange observer of runtime/rest, which appends each answer the
 * REST binder or the gateway gives to `<CONFORMANCE_RECORD_DIR>/<pid>.jsonl`. Without that
 * variable it does nothing. Imports only the observer's key, so every process starts as fast.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { exchangeObserverKey } from '../../runtime/src/rest/exchange-observer.ts';
import type { ExchangeObserver } from '../../runtime/src/rest/exchange-observer.ts';

const folder = process.env.CONFORMANCE_RECORD_DIR;
if (folder) {
  const file = join(folder, `${process.pid}.jsonl`);
  const observer: ExchangeObserver = (exchange) => appendFileSync(file, `${JSON.stringify(exchange)}\n`);
  (globalThis as { [exchangeObserverKey]?: ExchangeObserver })[exchangeObserverKey] = observer;
}
