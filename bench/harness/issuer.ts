/**
 * The token issuer of a bench run: the parts run in production settings, where a service does not
 * start without one and every write carries a verified token, so the numbers include that cost.
 * One local issuer per bench process, on the loopback, started on first use.
 */
import { startLocalIssuer } from '@platform/runtime/auth/local-issuer';
import type { LocalIssuer } from '@platform/runtime/auth/local-issuer';
import { authEnvFor } from '@platform/runtime/auth/testing';

export interface BenchIssuer {
  /** AUTH_* variables for the services. */
  readonly env: Readonly<Record<string, string>>;
  /** `Authorization` header value of a token with every write scope, valid for the whole run. */
  readonly authorization: string;
}

let started: Promise<{ issuer: LocalIssuer; bench: BenchIssuer }> | undefined;

export async function benchIssuer(): Promise<BenchIssuer> {
  started ??= (async () => {
    const issuer = await startLocalIssuer();
    const token = await issuer.sign({ scope: 'platforms:write commands:write', expiresInSeconds: 6 * 3600 });
    return { issuer, bench: { env: authEnvFor(issuer), authorization: `Bearer ${token}` } };
  })();
  return (await started).bench;
}

/** Stops the issuer (end of the run). */
export async function stopBenchIssuer(): Promise<void> {
  const running = started;
  started = undefined;
  if (running) await (await running).issuer.close();
}
