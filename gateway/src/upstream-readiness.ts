import { nodeFetch } from '@platform/runtime/http';
import type { ReadinessReporter } from '@platform/runtime/lifecycle';

export interface Upstream {
  /** Name shown in the report, e.g. `platform-service`. */
  readonly name: string;
  /** Origin of the upstream's HTTP listener. */
  readonly url: string;
}

/** One upstream's state in the gateway's /readyz. */
export interface UpstreamCheck {
  readonly ok: boolean;
  /** Why not ok (no answer, or the status it answered). */
  readonly detail?: string;
  /** The upstream's own checks, as its /readyz reported them. */
  readonly checks?: unknown;
}

async function check(upstream: Upstream, timeout: number): Promise<UpstreamCheck> {
  try {
    // Not the global fetch: it refuses port 6000 (a Fetch-standard "bad port"), commands-service's default.
    const answer = await nodeFetch(new URL('/readyz', upstream.url), { signal: AbortSignal.timeout(timeout) });
    const body = (await answer.json().catch(() => ({}))) as { checks?: unknown };
    const checks = body.checks === undefined ? {} : { checks: body.checks };
    return answer.ok ? { ok: true, ...checks } : { ok: false, detail: `its /readyz answered ${answer.status}`, ...checks };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === 'TimeoutError';
    return { ok: false, detail: timedOut ? `its /readyz did not answer within ${timeout} ms` : 'its /readyz cannot be reached' };
  }
}

/**
 * Readiness of the gateway, for the runtime's `/readyz` route: asks every upstream's /readyz at
 * once; ready when all are, each upstream's state (and its own checks) in the report.
 */
export function upstreamReadiness(upstreams: readonly Upstream[], options: { readonly timeout: number }): ReadinessReporter {
  return async () => {
    const results = await Promise.all(upstreams.map(async (upstream) => [upstream.name, await check(upstream, options.timeout)] as const));
    return { ok: results.every(([, result]) => result.ok), checks: Object.fromEntries(results) };
  };
}
