import type { Express, Request, Response } from 'express';
import { mediaTypes } from './media-types.ts';
import { requestPath, requestState } from './request-state.ts';
import { matchedOperation } from './route-match.ts';
import type { HandlerContext, HandlerSet, RestRequest, RestResult, RestRoute, RestSurface } from './surface.ts';

type AnyHandler = (request: RestRequest, context: HandlerContext) => Promise<RestResult>;

/**
 * Mounts every route of the surface on the app, each calling its operation's handler with
 * the validated request and sending the result as the contract declares it. Path parameters
 * are the ones request validation converted to their schema types (`req.openapi.pathParams`):
 * `req.params` may hold the raw strings when an earlier route layer on the same path (the
 * security guard) matched before validation ran, as Express caches param values per request.
 */
export function bindRoutes<Handlers extends HandlerSet<Handlers>>(app: Express, surface: RestSurface<Handlers>, handlers: Handlers): void {
  for (const route of surface.routes) {
    const handler = handlers[route.operationId] as unknown as AnyHandler;
    app.route(route.expressPath)[route.method](async (req: Request, res: Response) => {
      const { requestId, log } = requestState(res);
      const request: RestRequest = { params: { ...req.params, ...integerParameters(res) }, query: req.query, headers: req.headers, body: req.body };
      const result = await handler(request, { requestId, log, signal: abortSignal(res) });
      sendResult(req, res, route, result);
    });
  }
}

function sendResult(req: Request, res: Response, route: RestRoute<PropertyKey>, result: RestResult): void {
  if (!Object.hasOwn(route.responses, result.status)) {
    throw new Error(`cannot answer ${String(route.operationId)}: status ${result.status} is not declared by the contract`);
  }
  const mediaType = route.responses[result.status];
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (value !== undefined) res.setHeader(name, String(value));
  }
  res.status(result.status);
  if (mediaType === null || mediaType === undefined || result.body === undefined) {
    res.end();
    return;
  }
  const body =
    mediaType === mediaTypes.problem ? { instance: requestPath(req), requestId: requestState(res).requestId, ...(result.body as object) } : result.body;
  // res.json, not res.send: response validation (development, tests) hooks res.json.
  res.type(mediaType).json(body);
}

/**
 * Integer path parameters as numbers, from the text the request carried (already checked to be
 * canonical and in range), so a handler never depends on how validation coerced them.
 */
function integerParameters(res: Response): Record<string, number> {
  const matched = matchedOperation(res);
  if (matched === undefined) return {};
  return Object.fromEntries(matched.operation.integerParameters.map((parameter) => [parameter.name, Number(matched.path.parameters[parameter.name])]));
}

function abortSignal(res: Response): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}
