import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';
import { answerProblem } from './answer-problem.ts';

/**
 * The generated AsyncAPI HTML docs at `/docs/events/` (static files of `npm run generate`).
 * Answers a 404 problem naming the fix when they have not been generated.
 */
export function asyncapiDocsRoute(htmlDir: string): Router {
  const router = Router({ strict: true });
  router.get('/docs/events', (req, res) => {
    res.redirect(301, `/docs/events/${req.originalUrl.slice('/docs/events'.length)}`);
  });
  router.use('/docs/events/', express.static(htmlDir, { index: 'index.html', dotfiles: 'deny', redirect: false, maxAge: '1m' }));
  router.get('/docs/events/', (req, res) => {
    const detail = existsSync(join(htmlDir, 'index.html'))
      ? 'No such file in the AsyncAPI docs.'
      : 'The AsyncAPI docs have not been generated; run `npm run generate`.';
    answerProblem(req, res, 404, detail);
  });
  return router;
}
