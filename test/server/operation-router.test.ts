/**
 * server/http/operation-router.ts: an operation's chain runs as Express would run its route
 * (errors thrown, rejected or passed to `next` reach the error handler; a chain that falls through
 * reaches the next layer), and the validator's choice of route is Express's, because no two
 * operation paths of the document can match one request.
 */
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { operationRouter } from '../../server/http/operation-router.ts';
import { operationsById } from '../../server/spec.ts';

/** An app whose "validator" matched `/things/:id` for GET, then the router, a 404 layer and an error handler. */
function appWith(handlers: RequestHandler[]) {
  const app = express();
  app.use((req, _res, next) => {
    const m = /^\/things\/([^/]+)$/.exec(req.path);
    if (m) Object.assign(req, { openapi: { expressRoute: '/things/:id', pathParams: { id: decodeURIComponent(m[1]) } } });
    next();
  });
  app.use(operationRouter([{ method: 'get', expressPath: '/things/:id', handlers }]));
  app.use((_req, res) => {
    res.status(404).json({ fallthrough: true });
  });
  const errors: ErrorRequestHandler = (err, _req, res, _next) => {
    res.status(500).json({ error: String(err?.message ?? err) });
  };
  app.use(errors);
  return app;
}

describe('operationRouter', () => {
  it('runs the chain in order with the decoded path parameters', async () => {
    const seen: string[] = [];
    const app = appWith([
      (_req, _res, next) => {
        seen.push('first');
        next();
      },
      async (_req, _res, next) => {
        await new Promise((r) => setTimeout(r, 5));
        seen.push('second');
        next();
      },
      (req, res) => {
        res.json({ id: req.params.id, seen });
      },
    ]);
    const res = await request(app).get('/things/a%20b');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 'a b', seen: ['first', 'second'] });
  });

  it.each([
    ['thrown', (() => {
      throw new Error('boom');
    }) as RequestHandler],
    ['rejected', (async () => {
      throw new Error('boom');
    }) as RequestHandler],
    ['passed to next', ((_req, _res, next) => next(new Error('boom'))) as RequestHandler],
  ])('an error %s reaches the error handler and stops the chain', async (_how, failing) => {
    let ran = false;
    const app = appWith([
      failing,
      (_req, res) => {
        ran = true;
        res.json({});
      },
    ]);
    const res = await request(app).get('/things/x');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'boom' });
    expect(ran).toBe(false);
  });

  it('a chain that falls through, another method or an unmatched path reach the next layer', async () => {
    const app = appWith([(_req, _res, next) => next()]);
    expect((await request(app).get('/things/x')).body).toEqual({ fallthrough: true });
    expect((await request(app).post('/things/x')).body).toEqual({ fallthrough: true });
    expect((await request(app).get('/other')).body).toEqual({ fallthrough: true });
  });

  it('no two operations of the document share a method and a path one request could match', () => {
    const ops = [...operationsById.values()];
    const overlaps: string[] = [];
    for (const [i, a] of ops.entries()) {
      for (const b of ops.slice(i + 1)) {
        if (a.method !== b.method) continue;
        const x = a.path.split('/');
        const y = b.path.split('/');
        const param = (s: string) => s.includes('{');
        if (x.length === y.length && x.every((s, k) => s === y[k] || param(s) || param(y[k]))) overlaps.push(`${a.method} ${a.path} / ${b.path}`);
      }
    }
    expect(overlaps).toEqual([]);
  });
});
