/**
 * The request pipeline: every failure answers the error envelope with its documented status and
 * `X-Request-Id` (malformed JSON, odd content types, oversized bodies, unknown routes and methods),
 * never an HTML page or a stack trace; the document is served at /openapi.json.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertEveryOperationHandled } from '../../server/app.ts';
import { normaliseContentType } from '../../server/http/content-type.ts';
import { depthOf } from '../../server/http/json-depth.ts';
import { document, operationsById } from '../../server/spec.ts';
import { bearer, expectError, openApp, REQUEST_ID, signUp, type TestApp, type User } from './support/platform.ts';

let t: TestApp;
let user: User;
beforeAll(async () => {
  t = await openApp();
  user = await signUp(t.app, 'pipeline');
});
afterAll(async () => {
  // Nothing in this suite is unexpected, or answered with a status its operation does not document.
  expect(t.logs).toEqual([]);
  await t.close();
});

const createOrg = () => request(t.app).post('/core/organizations').set(bearer(user.session));

describe('bodies', () => {
  it.each([
    ['truncated JSON', '{"name": "Acme"'],
    ['not JSON at all', 'name=Acme'],
    ['a trailing comma', '{"name": "Acme",}'],
  ])('%s is 400 INVALID_JSON', async (_name, body) => {
    const res = await createOrg().set('Content-Type', 'application/json').send(body);
    expectError(res, 400, 'INVALID_JSON');
  });

  it.each([
    ['text/plain', 'text/plain', '{"name":"Acme"}'],
    ['form encoding', 'application/x-www-form-urlencoded', 'name=Acme'],
    ['XML', 'application/xml', '<name>Acme</name>'],
  ])('a %s body is 415 UNSUPPORTED_MEDIA_TYPE', async (_name, type, body) => {
    const res = await createOrg().set('Content-Type', type).send(body);
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('an unsupported charset is 415', async () => {
    const res = await createOrg().set('Content-Type', 'application/json; charset=latin1').send('{"name":"Acme"}');
    expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('parameters other than charset are ignored, and the charset is honoured', async () => {
    for (const type of ['application/json; charset=utf-8', 'Application/JSON; x=1; boundary=zz', 'application/json;charset="UTF-8"']) {
      const res = await createOrg().set('Content-Type', type).send(JSON.stringify({ name: `Acme ${type}` }));
      expect(res.status).toBe(201);
    }
  });

  it('a body over 1 MB is 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await createOrg().send({ name: 'x'.repeat(1_100_000) });
    expectError(res, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a body nested deeper than 512 levels is 400, whatever the operation (no stack overflow behind it)', async () => {
    for (const depth of [600, 100_000]) {
      const body = `{"name":"Acme","slug":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const res = await createOrg().set('Content-Type', 'application/json').send(body);
      expectError(res, 400, 'INVALID_REQUEST');
      expect(res.body.error.details).toEqual([{ path: '/body', message: 'must not be nested deeper than 512 levels' }]);
    }
  });

  it('a missing required body is 400 INVALID_REQUEST', async () => {
    // An empty JSON body lacks the required fields; no body at all lacks the body itself.
    expectError(await createOrg().set('Content-Type', 'application/json'), 400, 'INVALID_REQUEST');
    const res = await createOrg();
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.details).toEqual([{ path: '/body', message: 'is required' }]);
  });

  it('a field breaking the schema is 400 INVALID_REQUEST naming the field', async () => {
    // The validator stops at the first failing field (ajv allErrors is unsafe in production).
    const res = await createOrg().send({ name: 'Acme', slug: 'Not A Slug' });
    expectError(res, 400, 'INVALID_REQUEST');
    expect(res.body.error.details).toEqual([{ path: '/body/slug', message: 'must match pattern "^[a-z0-9-]+$"' }]);
    expect(res.body.error.message).toContain('/body/slug');
  });
});

describe('routes', () => {
  it('an unknown route is 404 NOT_FOUND in the envelope', async () => {
    for (const path of ['/nope', '/core/nothing/here', '/infra/kv/a/b/c']) {
      expectError(await request(t.app).get(path).set(bearer(user.session)), 404, 'NOT_FOUND');
    }
  });

  it('a known route with another method is 405 METHOD_NOT_ALLOWED', async () => {
    const res = await request(t.app).put('/core/organizations').set(bearer(user.session)).send({});
    expectError(res, 405, 'METHOD_NOT_ALLOWED');
  });

  it('an unknown query parameter is 400', async () => {
    const res = await request(t.app).get('/core/organizations?colour=blue').set(bearer(user.session));
    expectError(res, 400, 'INVALID_REQUEST');
  });

  it('every response carries a fresh X-Request-Id, success or failure', async () => {
    const a = await request(t.app).get('/core/organizations').set(bearer(user.session));
    const b = await request(t.app).get('/core/organizations').set(bearer(user.session)).set('X-Request-Id', 'req_spoofed');
    expect(a.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(b.headers['x-request-id']).toMatch(REQUEST_ID);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
  });

  it('serves the generated document at /openapi.json', async () => {
    const res = await request(t.app).get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(document);
    expect(res.headers['x-request-id']).toMatch(REQUEST_ID);
  });

  it('answers CORS preflights for browser code (no credentials)', async () => {
    const res = await request(t.app)
      .options('/infra/kv/hello')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });
});

describe('assertEveryOperationHandled', () => {
  it('refuses to start when an operation of the document has no handler, naming it', () => {
    const all = Object.fromEntries([...operationsById.keys()].map((id) => [id, () => {}]));
    expect(() => assertEveryOperationHandled(all)).not.toThrow();
    const { getValue: _dropped, ...partial } = all;
    expect(() => assertEveryOperationHandled(partial)).toThrow('No handler for getValue (GET /infra/kv/{key})');
  });
});

describe('depthOf', () => {
  it.each([
    [1, 0],
    [{}, 1],
    [[[], [[]]], 3],
    [{ a: { b: [1, { c: null }] } }, 4],
  ])('%j is nested %i containers deep', (value, depth) => {
    expect(depthOf(value)).toBe(depth);
  });
});

describe('normaliseContentType', () => {
  it.each([
    ['application/json', 'application/json'],
    ['Application/JSON', 'application/json'],
    ['application/json; x=1', 'application/json'],
    ['application/json; x=1; charset=UTF-8', 'application/json; charset=utf-8'],
    ['application/json; charset="utf-8"', 'application/json; charset=utf-8'],
    ['text/plain;charset=latin1;a=b', 'text/plain; charset=latin1'],
  ])('%s -> %s', (given, want) => {
    expect(normaliseContentType(given)).toBe(want);
  });
});
