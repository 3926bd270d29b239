import { Router } from 'express';
import type { ContractFile } from './contract-files.ts';
import { answerProblem } from './answer-problem.ts';

const mediaTypeOf: Readonly<Record<ContractFile['kind'], string>> = {
  openapi: 'application/yaml; charset=utf-8',
  asyncapi: 'application/yaml; charset=utf-8',
  proto: 'text/plain; charset=utf-8',
};

/**
 * `/contracts`: a JSON index of the published contract files; `/contracts/<path>`: one of them,
 * as it is on disk. Any other path is a 404 (lookup by exact path, never by joining the URL to a folder).
 */
export function contractsRoute(files: readonly ContractFile[]): Router {
  const byPath = new Map(files.map((file) => [file.path, file]));
  const router = Router();
  router.get('/contracts', (_req, res) => {
    res.json({ contracts: files.map(({ kind, path }) => ({ kind, path, url: `/contracts/${path}` })) });
  });
  router.get('/contracts/*path', (req, res, next) => {
    const path = req.path.slice('/contracts/'.length);
    const contract = byPath.get(path);
    if (!contract) {
      answerProblem(req, res, 404, 'No contract file has this path; GET /contracts lists them.');
      return;
    }
    res.type(mediaTypeOf[contract.kind]);
    res.sendFile(contract.file, { dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
  return router;
}
