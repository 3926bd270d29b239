import { Router } from 'express';
import type { ReadinessReport, ReadinessReporter } from '../lifecycle/readiness.ts';
import { requestState } from './request-state.ts';

export const healthPaths = { alive: '/healthz', ready: '/readyz' } as const;

/**
 * `/healthz`: 200 `{status:"ok"}` while the process serves HTTP at all.
 * `/readyz`: 200 or 503 from the readiness callback; 503 while draining or when the callback throws.
 */
export function healthRoutes(readiness: ReadinessReporter, isDraining: () => boolean): Router {
  const router = Router();
  router.get(healthPaths.alive, (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  router.get(healthPaths.ready, async (_req, res) => {
    let report: ReadinessReport;
    if (isDraining()) {
      report = { ok: false, checks: { server: { ok: false, detail: 'shutting down' } } };
    } else {
      try {
        report = await readiness();
      } catch (err) {
        requestState(res).log.error({ err }, 'cannot check readiness: the readiness callback failed');
        report = { ok: false, checks: { readiness: { ok: false, detail: 'readiness check failed' } } };
      }
    }
    res.status(report.ok ? 200 : 503).json({ status: report.ok ? 'ok' : 'unavailable', checks: report.checks });
  });
  return router;
}
