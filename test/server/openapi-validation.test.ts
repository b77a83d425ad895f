/**
 * server/http/openapi-validation.ts against the validator it rewires: two Express apps with the
 * same operations, one behind `express-openapi-validator`'s own `middleware()` (and its `app.param`
 * callbacks) with a route per operation, the other as the server runs them: `openApiValidation`
 * then `operationRouter` (server/http/operation-router.ts). They must answer every request alike:
 * the operation found (or the 404 / 405 / 400 and its `Allow` header), the path parameters the
 * handler sees, the query and body after validation, and every validation error.
 * Requests come from a table of edge cases and from fast-check, over every path of the document.
 */
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import fc from 'fast-check';
import * as OpenApiValidator from 'express-openapi-validator';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApiValidation } from '../../server/http/openapi-validation.ts';
import { operationRouter } from '../../server/http/operation-router.ts';
import { parseQuery } from '../../server/http/url-encoding.ts';
import { speedUpValidator } from '../../server/http/validator-speedups.ts';
import { document, operationsById } from '../../server/spec.ts';

const options = (validateResponses: boolean) =>
  ({ apiSpec: structuredClone(document), validateRequests: true, validateResponses, validateSecurity: false, validateApiSpec: false }) as const;

type Openapi = { expressRoute: string; openApiRoute: string; pathParams: Record<string, string> } | undefined;

/** Each operation answers what the validation left on the request; errors are answered as they are. */
function mount(app: Express, ours: boolean): void {
  const answer = (operationId: string) => (req: Request, res: Response) => {
    const openapi = (req as Request & { openapi?: Openapi }).openapi;
    res.status(299).json({ op: operationId, params: req.params, query: req.query, body: req.body ?? null, openapi: openapi && { expressRoute: openapi.expressRoute, openApiRoute: openapi.openApiRoute, pathParams: openapi.pathParams } });
  };
  const ops = [...operationsById.values()];
  if (ours) app.use(operationRouter(ops.map((op) => ({ method: op.method, expressPath: op.expressPath, handlers: [answer(op.operationId)] }))));
  else for (const op of ops) app[op.method as 'get'](op.expressPath, answer(op.operationId));
  app.use((req, res) => {
    const openapi = (req as Request & { openapi?: Openapi }).openapi;
    res.status(298).json({ unrouted: true, expressRoute: openapi?.expressRoute ?? null });
  });
  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(err.status ?? 500).set(err.headers ?? {}).json({ name: err.name, message: err.message, errors: err.errors ?? null });
  };
  app.use(errors);
}

async function build(validation: 'original' | 'ours', validateResponses: boolean): Promise<Express> {
  const app = express();
  app.set('query parser', parseQuery);
  app.use(express.json({ type: (req) => req.method !== 'GET' && req.method !== 'HEAD' }));
  if (validation === 'original') {
    speedUpValidator();
    app.use(OpenApiValidator.middleware(options(validateResponses)));
  } else {
    app.use(await openApiValidation(app, options(validateResponses)));
  }
  mount(app, validation === 'ours');
  return app;
}

interface Call {
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const answer = async (app: Express, call: Call) => {
  const test = request(app)[call.method.toLowerCase() as 'get'](call.url);
  for (const [name, value] of Object.entries(call.headers ?? {})) test.set(name, value);
  const res = call.body === undefined ? await test : await test.send(call.body as object);
  return { status: res.status, allow: res.headers.allow ?? null, body: res.body, text: call.method === 'HEAD' ? '' : res.text };
};

const TABLE: Call[] = [
  { method: 'GET', url: '/infra/kv/hello' },
  { method: 'GET', url: '/INFRA/KV/Hello' },
  { method: 'GET', url: '/infra/kv/hello/' },
  { method: 'GET', url: '/infra/kv/a%2Fb' },
  { method: 'GET', url: '/infra/kv/%E0%A4%A' },
  { method: 'GET', url: '/infra/kv/%00' },
  { method: 'GET', url: '/infra/kv/' },
  { method: 'GET', url: '/infra//kv/x' },
  { method: 'GET', url: '/infra/kv/x?unknown=1' },
  { method: 'GET', url: '/infra/kv?prefix=a&limit=3' },
  { method: 'GET', url: '/infra/kv?limit=-1' },
  { method: 'GET', url: '/infra/kv?prefix=' },
  { method: 'PATCH', url: '/infra/kv/hello' },
  { method: 'POST', url: '/infra/kv/hello' },
  { method: 'HEAD', url: '/infra/kv/hello' },
  { method: 'OPTIONS', url: '/infra/kv/hello' },
  { method: 'PUT', url: '/infra/kv/hello', body: { value: 1 } },
  { method: 'PUT', url: '/infra/kv/hello', body: { value: 1, ttl: 0 } },
  { method: 'PUT', url: '/infra/kv/hello', body: { nope: true } },
  { method: 'PUT', url: '/infra/kv/hello', body: 'text', headers: { 'content-type': 'text/plain' } },
  { method: 'POST', url: '/infra/kv/hello/increment', body: { delta: 2 } },
  { method: 'POST', url: '/infra/kv/hello/increment/' },
  { method: 'POST', url: '/core/organizations/org_1/members/invite', body: { email: 'a@example.com' } },
  { method: 'DELETE', url: '/core/organizations/org_1/members/invite' },
  { method: 'GET', url: '/core/organizations/org_1/members/user_1' },
  { method: 'GET', url: '/core/organizations' },
  { method: 'GET', url: '/core/organizations/' },
  { method: 'DELETE', url: '/core/organizations' },
  { method: 'GET', url: '/healthz' },
  { method: 'GET', url: '/HEALTHZ/' },
  { method: 'GET', url: '/healthzz' },
  { method: 'GET', url: '/.well-known/oauth-authorization-server' },
  { method: 'POST', url: '/oauth/token', body: {} },
  { method: 'GET', url: '/api/auth/get-session' },
  { method: 'GET', url: '/nothing/here' },
  { method: 'GET', url: '/' },
  { method: 'GET', url: '/infra/channels/c1/subscribe?token=x' },
];

/** Paths of the document with their parameters filled in, and bent (case, slashes, encodings). */
const segment = fc.oneof(
  fc.constantFrom('hello', 'a%2Fb', '%E0%A4%A', '%25', 'x.y', 'org_1', 'proj_1', 'increment', 'invite', 'batch', '~', '%7E', 'A', ''),
  fc.stringMatching(/^[a-zA-Z0-9_%-]{1,8}$/),
);
const bend = fc.constantFrom('none', 'upper', 'trailing', 'double', 'drop-last', 'extra');
const call = fc
  .record({
    path: fc.constantFrom(...Object.keys(document.paths as object)),
    values: fc.array(segment, { minLength: 3, maxLength: 3 }),
    bend,
    method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
    query: fc.constantFrom('', '?limit=2', '?prefix=a', '?x=1', '?limit=', '?prefix=%zz', '?cursor=abc&limit=1000'),
    body: fc.constantFrom(undefined, {}, { value: 1 }, { name: 'n' }, []),
  })
  .map(({ path, values, bend: how, method, query, body }): Call => {
    let i = 0;
    let url = path.replace(/\{\w+\}/g, () => values[i++ % values.length]);
    if (how === 'upper') url = url.toUpperCase();
    if (how === 'trailing') url = `${url}/`;
    if (how === 'double') url = url.replace('/', '//');
    if (how === 'drop-last') url = url.slice(0, url.lastIndexOf('/')) || '/';
    if (how === 'extra') url = `${url}/more`;
    return { method, url: url + query, body: method === 'GET' || method === 'HEAD' ? undefined : body };
  });

describe.each([false, true])('with response validation %s', (validateResponses) => {
  let original: Express;
  let ours: Express;
  beforeAll(async () => {
    [original, ours] = await Promise.all([build('original', validateResponses), build('ours', validateResponses)]);
  });

  it.each(TABLE.map((c) => [`${c.method} ${c.url}`, c] as const))('%s is answered alike', async (_name, c) => {
    const [a, b] = await Promise.all([answer(original, c), answer(ours, c)]);
    expect(b).toEqual(a);
  });

  it('answers generated requests alike', async () => {
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const [a, b] = await Promise.all([answer(original, c), answer(ours, c)]);
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });

  // With response validation, the probe route's own answer (status 299) is refused as undocumented.
  it.skipIf(validateResponses)('finds the operation the document names for each of its paths', async () => {
    for (const op of operationsById.values()) {
      const url = op.path.replace(/\{\w+\}/g, 'v1');
      const res = await answer(ours, { method: op.method.toUpperCase(), url });
      if (res.status === 299) expect(res.body.openapi.openApiRoute).toBe(op.path);
      // Or refused for what a bare request lacks: a required query parameter, header, or body (415 without one).
      else expect([400, 415]).toContain(res.status);
    }
  });
});
