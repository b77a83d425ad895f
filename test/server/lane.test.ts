/**
 * The lane (server/http/lane.ts) against Express's pipeline, side by side on the same app: each
 * request goes once through the app as it is served (the lane first) and once through the
 * pipeline alone, and the two answers must be the same: status, every header in order, body. Only
 * what differs between any two requests is set aside: the request id, the date, the remaining
 * rate-limit count and an error body's ETag (it hashes the request id).
 *
 * Each case also says whether the lane took the request: a request of a shape it does not model
 * (a query, an odd path, HEAD, a conditional GET) must reach Express untouched. Generated requests
 * (fast-check: keys, credentials, media types, bodies, origins, a proxy's X-Forwarded-For) are
 * compared the same way.
 */
import { request as httpRequest, type RequestListener, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppOptions } from '../../server/app.ts';
import { createLogger } from '../../server/log.ts';
import { STORES } from '../adversarial/support/stores.ts';
import { newProject, type ProjectTokens } from './kv-fixture.ts';
import type { TestApp } from './support/platform.ts';

interface Sent {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface Seen {
  status: number;
  headers: [string, string][];
  body: string;
}

const TRUSTED = 'https://app.example.com';

function listen(listener: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(listener);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

function send(port: number, sent: Sent): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: sent.method, path: sent.path, headers: sent.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
        resolve({ status: res.statusCode!, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(sent.body);
  });
}

/** What any two answers to the same request may differ in, set aside. */
function normalised(seen: Seen): Seen {
  const requestId = seen.headers.find(([name]) => name.toLowerCase() === 'x-request-id')?.[1] ?? '';
  const headers = seen.headers.map(([name, value]): [string, string] => {
    const lower = name.toLowerCase();
    if (lower === 'x-request-id' || lower === 'date') return [name, '…'];
    if (lower === 'ratelimit') return [name, value.replace(/r=\d+/, 'r=…').replace(/t=\d+/, 't=…')];
    if (lower === 'retry-after') return [name, '…'];
    if (lower === 'etag' && seen.status >= 400) return [name, '…'];
    return [name, value];
  });
  return { status: seen.status, headers, body: requestId ? seen.body.replaceAll(requestId, 'req_…') : seen.body };
}

describe.each(STORES)('$name', (store) => {
  let t: TestApp;
  let lane: { server: Server; port: number };
  let pipeline: { server: Server; port: number };
  let tokens: ProjectTokens;
  const logLines: Record<string, unknown>[] = [];

  const servers: Server[] = [];
  async function open(options: AppOptions = {}) {
    const app = await store.open({ trustedOrigins: [TRUSTED], ...options });
    const opened = { t: app, lane: await listen(app.app), pipeline: await listen(app.pipeline) };
    servers.push(opened.lane.server, opened.pipeline.server);
    return opened;
  }

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
        done();
      },
    });
    ({ t, lane, pipeline } = await open({ requestLogger: createLogger('info', sink), includedMicrotokens: 1e9 }));
    tokens = await newProject(t.app);
    const put = (key: string, value: unknown) =>
      supertest(t.app).put(`/infra/kv/${encodeURIComponent(key)}`).set({ Authorization: `Bearer ${tokens.live}` }).send({ value });
    for (const key of ['hello', "a:b@c!$&'()*+,;=~x", '.hidden', 'café']) expect((await put(key, { n: 1, text: 'world' })).status).toBe(200);
    expect((await put('big', 'x'.repeat(200_000))).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await store.closeAll();
  });

  /** Sends `sent` through the lane's server, then the pipeline's; both answers, normalised. */
  async function both(sent: Sent, ports = { lane: lane.port, pipeline: pipeline.port }, app = t) {
    const before = app.lane.taken;
    const viaLane = await send(ports.lane, sent);
    const taken = app.lane.taken - before;
    const viaPipeline = await send(ports.pipeline, sent);
    expect(app.lane.taken - before, 'the pipeline server never asks the lane').toBe(taken);
    return { viaLane: normalised(viaLane), viaPipeline: normalised(viaPipeline), taken: taken === 1, raw: viaLane };
  }

  const auth = (secret: string) => ({ authorization: `Bearer ${secret}` });
  /** A JSON write to `hello` with the live token (headers override). */
  const put = (body: object, headers: Record<string, string> = {}): Sent => {
    const all = { ...auth(tokens.live), 'content-type': 'application/json', ...headers };
    if (all.authorization === '') delete (all as Record<string, string>).authorization;
    return { method: 'PUT', path: '/infra/kv/hello', headers: all, body: JSON.stringify(body) };
  };

  const sameAnswers: [string, () => Sent, number][] = [
    ['a value', () => ({ method: 'GET', path: '/infra/kv/hello', headers: auth(tokens.live) }), 200],
    ['a key with every plain punctuation', () => ({ method: 'GET', path: "/infra/kv/a:b@c!$&'()*+,;=~x", headers: auth(tokens.live) }), 200],
    ['a key that starts with a dot', () => ({ method: 'GET', path: '/infra/kv/.hidden', headers: auth(tokens.live) }), 200],
    ['a missing key', () => ({ method: 'GET', path: '/infra/kv/nope', headers: auth(tokens.live) }), 404],
    ['a value over 64 KB (priced by size)', () => ({ method: 'GET', path: '/infra/kv/big', headers: auth(tokens.live) }), 200],
    ['a read-only token', () => ({ method: 'GET', path: '/infra/kv/hello', headers: auth(tokens.readOnly) }), 200],
    ['a test-mode token (the sandbox)', () => ({ method: 'GET', path: '/infra/kv/hello', headers: auth(tokens.test) }), 404],
    ['X-Api-Key', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { 'x-api-key': tokens.live } }), 200],
    ['no credential', () => ({ method: 'GET', path: '/infra/kv/hello' }), 401],
    ['a malformed Authorization', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { authorization: 'Basic abc' } }), 401],
    ['an unknown token', () => ({ method: 'GET', path: '/infra/kv/hello', headers: auth(`sk_live_${'0'.repeat(40)}`) }), 401],
    ['a session token (not accepted here)', () => ({ method: 'GET', path: '/infra/kv/hello', headers: auth(tokens.session) }), 403],
    ['a trusted origin', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), origin: TRUSTED } }), 200],
    ['another origin', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), origin: 'https://evil.example' } }), 200],
    ['a cookie beside the token', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), cookie: 'better-auth.session_token=x' } }), 200],
    ['an empty body (Content-Length: 0)', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), 'content-length': '0' } }), 200],
    ['a percent-encoded key', () => ({ method: 'GET', path: '/infra/kv/caf%C3%A9', headers: auth(tokens.live) }), 200],
    ['an ill-formed percent-encoding', () => ({ method: 'GET', path: '/infra/kv/a%zz', headers: auth(tokens.live) }), 400],
    ['a percent-encoding that is not UTF-8', () => ({ method: 'GET', path: '/infra/kv/a%ff', headers: auth(tokens.live) }), 400],
    ['the key "."', () => ({ method: 'GET', path: '/infra/kv/.', headers: auth(tokens.live) }), 400],
    ['a key with ".."', () => ({ method: 'GET', path: '/infra/kv/x..y', headers: auth(tokens.live) }), 400],
    ['a key over 512 characters', () => ({ method: 'GET', path: `/infra/kv/${'k'.repeat(513)}`, headers: auth(tokens.live) }), 400],
    ['a GET with a JSON body', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), 'content-type': 'application/json' }, body: '{"x":1}' }), 400],
    ['a GET with a chunked body', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), 'transfer-encoding': 'chunked' }, body: 'x' }), 200],
    ['a write', () => put({ value: { n: 1, text: 'world' } }), 200],
    ['a write with a charset', () => put({ value: 1 }, { 'content-type': 'application/json; charset=UTF-8' }), 200],
    ['a write with a byte order mark', () => ({ ...put({ value: 2 }), body: `\uFEFF${JSON.stringify({ value: 2 })}` }), 200],
    ['a gzipped write', () => ({ ...put({ value: 3 }, { 'content-encoding': 'gzip' }), body: gzipSync(JSON.stringify({ value: 3 })) }), 200],
    ['a write of a non-ASCII value', () => put({ value: 'café ☕ 🐈' }), 200],
    ['a write that must not exist yet', () => put({ value: 1, if_not_exists: true }), 409],
    ['a write in the sandbox', () => put({ value: 1 }, auth(tokens.test)), 200],
    ['a write without the scope', () => put({ value: 1 }, auth(tokens.readOnly)), 403],
    ['a write without a credential', () => put({ value: 1 }, { authorization: '' }), 401],
    ['a write of invalid JSON', () => ({ ...put({}), body: '{"value": ' }), 400],
    ['a write of a JSON string (not an object)', () => ({ ...put({}), body: '"value"' }), 400],
    ['a write without a body', () => ({ method: 'PUT', path: '/infra/kv/hello', headers: auth(tokens.live) }), 400],
    ['a write of an empty JSON body', () => ({ ...put({}), body: '' }), 400],
    ['a write with another field', () => put({ value: 1, other: true }), 400],
    ['a write without value', () => put({ ttl: 10 }), 400],
    ['a write with a negative ttl', () => put({ value: 1, ttl: -1 }), 400],
    ['a write of text/plain', () => put({ value: 1 }, { 'content-type': 'text/plain' }), 415],
    ['a write of a form', () => ({ ...put({}, { 'content-type': 'application/x-www-form-urlencoded' }), body: 'value=1' }), 415],
    ['a write in latin1', () => put({ value: 1 }, { 'content-type': 'application/json; charset=latin1' }), 415],
    ['a write in an unknown encoding', () => put({ value: 1 }, { 'content-encoding': 'compress' }), 415],
    ['a value over 256 KB', () => put({ value: 'v'.repeat(300_000) }), 413],
    ['a body over 1 MB', () => put({ value: 'v'.repeat(1_100_000) }), 413],
    ['a body nested past 512 levels', () => ({ ...put({}), body: `{"value":${'['.repeat(600)}${']'.repeat(600)}}` }), 400],
    ['a lone surrogate', () => ({ ...put({}), body: '{"value":"\\ud800"}' }), 400],
    ['a write to a key with ".."', () => ({ ...put({ value: 1 }), path: '/infra/kv/a..b' }), 400],
    ['a delete without the scope', () => ({ method: 'DELETE', path: '/infra/kv/hello', headers: auth(tokens.readOnly) }), 403],
    ['a delete of a missing key', () => ({ method: 'DELETE', path: '/infra/kv/nope', headers: auth(tokens.live) }), 404],
  ];

  it.each(sameAnswers)('the lane answers %s as the pipeline does', async (_name, sent, status) => {
    const { viaLane, viaPipeline, taken } = await both(sent());
    expect(taken).toBe(true);
    expect(viaLane.status).toBe(status);
    expect(viaLane).toEqual(viaPipeline);
  });

  it('deletes as the pipeline does', async () => {
    const put = () => supertest(t.app).put('/infra/kv/gone').set({ Authorization: `Bearer ${tokens.live}` }).send({ value: 1 });
    await put();
    const viaLane = await send(lane.port, { method: 'DELETE', path: '/infra/kv/gone', headers: auth(tokens.live) });
    await put();
    const viaPipeline = await send(pipeline.port, { method: 'DELETE', path: '/infra/kv/gone', headers: auth(tokens.live) });
    expect(viaLane.status).toBe(200);
    expect(normalised(viaLane)).toEqual(normalised(viaPipeline));
  });

  const leftToExpress: [string, () => Sent][] = [
    ['HEAD', () => ({ method: 'HEAD', path: '/infra/kv/hello', headers: auth(tokens.live) })],
    ['a query string', () => ({ method: 'GET', path: '/infra/kv/hello?x=1', headers: auth(tokens.live) })],
    ['a trailing slash', () => ({ method: 'GET', path: '/infra/kv/hello/', headers: auth(tokens.live) })],
    ['another case', () => ({ method: 'GET', path: '/INFRA/kv/hello', headers: auth(tokens.live) })],
    ['If-None-Match', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), 'if-none-match': '*' } })],
    ['If-Modified-Since', () => ({ method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), 'if-modified-since': new Date().toUTCString() } })],
    ['another operation', () => ({ method: 'GET', path: '/infra/kv', headers: auth(tokens.live) })],
  ];

  it.each(leftToExpress)('leaves %s to Express', async (_name, sent) => {
    const { viaLane, viaPipeline, taken } = await both(sent());
    expect(taken).toBe(false);
    expect(viaLane).toEqual(viaPipeline);
  });

  it('a conditional GET with the ETag of a lane answer is answered 304 by Express', async () => {
    const first = await send(lane.port, { method: 'GET', path: '/infra/kv/hello', headers: auth(tokens.live) });
    const etag = first.headers.find(([name]) => name === 'ETag')![1];
    const again = await send(lane.port, { method: 'GET', path: '/infra/kv/hello', headers: { ...auth(tokens.live), 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('writes the same request log line', async () => {
    const { raw } = await both({ method: 'GET', path: '/infra/kv/hello', headers: auth(tokens.live) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const id = raw.headers.find(([name]) => name === 'X-Request-Id')![1];
    const line = logLines.find((l) => l.request_id === id);
    const other = logLines.at(-1)!;
    expect(line).toEqual({ level: 'info', time: expect.any(String), request_id: id, method: 'GET', route: '/infra/kv/:key', status: 200, duration_ms: expect.any(Number), message: 'request' });
    expect({ ...other, request_id: id, time: line!.time, duration_ms: line!.duration_ms }).toEqual(line);
  });

  it('a revocation takes effect on the next lane request', async () => {
    const project = await newProject(t.app);
    expect((await send(lane.port, { method: 'GET', path: '/infra/kv/hello', headers: auth(project.live) })).status).toBe(404);
    const list = await supertest(t.app).get(`/core/organizations/${project.orgId}/tokens`).set({ Authorization: `Bearer ${project.session}` });
    const id = (list.body.tokens as { id: string; name: string }[]).find((tok) => tok.name === 'live')!.id;
    expect((await supertest(t.app).delete(`/core/organizations/${project.orgId}/tokens/${id}`).set({ Authorization: `Bearer ${project.session}` })).status).toBe(200);
    const { viaLane, viaPipeline, taken } = await both({ method: 'GET', path: '/infra/kv/hello', headers: auth(project.live) });
    expect(taken).toBe(true);
    expect(viaLane.status).toBe(401);
    expect(viaLane).toEqual(viaPipeline);
  });

  it('answers generated requests to the KV routes as the pipeline does', async () => {
    const fuzzed = await open({ rateLimit: { livePerMinute: 1e6, testPerHour: 1e6, invalidPerMinute: 1e6 }, includedMicrotokens: 1e9 });
    const owner = await newProject(fuzzed.t.app);
    // Behind a proxy (TRUST_PROXY, server/main.ts): the client address comes from X-Forwarded-For.
    fuzzed.t.app.set('trust proxy', 'loopback');
    const ports = { lane: fuzzed.lane.port, pipeline: fuzzed.pipeline.port };
    const credentials: Record<string, Record<string, string>> = {
      live: auth(owner.live),
      readOnly: auth(owner.readOnly),
      test: auth(owner.test),
      apiKey: { 'x-api-key': owner.live },
      session: auth(owner.session),
      forged: auth(`sk_live_${'2'.repeat(40)}`),
      malformed: { authorization: `Token ${owner.live}` },
      none: {},
    };
    const request = fc
      .record({
        method: fc.constantFrom('GET', 'PUT', 'DELETE'),
        key: fc.oneof(
          fc.constantFrom('hello', 'a:b', "x!$&'()*+,;=", '.', '..', 'a..b', '%2F', 'a%2Fb', '%zz', '%ff', '%E2%98%95', 'caf%C3%A9', '~', 'k'.repeat(513), '%00'),
          fc.stringMatching(/^[a-zA-Z0-9._~:@-]{1,12}$/),
        ),
        credential: fc.constantFrom(...Object.keys(credentials)),
        contentType: fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'Application/JSON', 'text/plain', 'application/x-www-form-urlencoded'),
        body: fc.constantFrom(undefined, '{"value":1}', '{"value":{"a":[1,"x",null]}}', '{"value":1,"if_not_exists":true}', '{}', '[]', 'null', 'not json', '{"value":1,"extra":2}', '{"value":"\\udfff"}'),
        origin: fc.constantFrom(undefined, TRUSTED, 'https://elsewhere.example'),
        forwarded: fc.constantFrom(undefined, '203.0.113.9'),
      })
      .map(({ method, key, credential, contentType, body, origin, forwarded }): Sent => {
        const headers: Record<string, string> = { ...credentials[credential] };
        if (contentType) headers['content-type'] = contentType;
        if (origin) headers.origin = origin;
        if (forwarded) headers['x-forwarded-for'] = forwarded;
        return { method, path: `/infra/kv/${key}`, headers, body };
      });
    let taken = 0;
    await fc.assert(
      fc.asyncProperty(request, async (sent) => {
        // Once first, so that both answers below see the same state (a write or delete has happened).
        await send(ports.lane, sent);
        const answers = await both(sent, ports, fuzzed.t);
        if (answers.taken) taken++;
        expect(answers.viaLane).toEqual(answers.viaPipeline);
      }),
      { numRuns: 150 },
    );
    expect(taken).toBeGreaterThan(100);
  }, 120_000);

  /** A new app with `options`, its owner's project, and a KV get of theirs to send through both servers. */
  async function limitedApp(options: AppOptions) {
    const opened = await open(options);
    const owner = await newProject(opened.t.app);
    const get = { method: 'GET', path: '/infra/kv/hello', headers: auth(owner.live) };
    const ports = { lane: opened.lane.port, pipeline: opened.pipeline.port };
    return { owner, get, port: opened.lane.port, both: (sent: Sent) => both(sent, ports, opened.t) };
  }

  /** Taken by the lane, answered `status`, and the same answer through the pipeline. */
  function expectSame(answers: Awaited<ReturnType<typeof both>>, status: number) {
    expect(answers.taken).toBe(true);
    expect([answers.viaLane.status, answers.viaPipeline.status]).toEqual([status, status]);
    expect(answers.viaLane).toEqual(answers.viaPipeline);
  }

  it('refuses over the rate limit and past the invalid-credential limit as the pipeline does', async () => {
    const app = await limitedApp({ rateLimit: { livePerMinute: 12, invalidPerMinute: 2 } });
    expectSame(await app.both(app.get), 404);
    // 12 per minute: the lane spends the rest of the budget, then both refuse.
    let status = 404;
    for (let i = 0; i < 12 && status !== 429; i++) status = (await send(app.port, app.get)).status;
    expect(status).toBe(429);
    expectSame(await app.both(app.get), 429);

    expectSame(await app.both({ ...app.get, headers: auth(`sk_live_${'1'.repeat(40)}`) }), 401);
    // Two 401s from this address: from now on even a valid token is refused, by the lane as by Express.
    expectSame(await app.both({ ...app.get, headers: auth(app.owner.readOnly) }), 429);
  });

  it('refuses a spent balance as the pipeline does (402)', async () => {
    const app = await limitedApp({ includedMicrotokens: 2 });
    expectSame(await app.both(app.get), 404);
    expectSame(await app.both(app.get), 402);
  });
});
