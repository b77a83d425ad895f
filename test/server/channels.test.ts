/**
 * Channels through the real app on a real socket (SSE needs a streaming client): publish
 * answers, events received with their ids, browser tokens in the query, isolation between
 * projects and modes, the 64 KB limit, keep-alive comments and cleanup when a client leaves.
 */
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/app.ts';
import { createApp } from '../../server/app.ts';
import { bearer, newProject, type ProjectTokens } from './kv-fixture.ts';

const EVENT_ID = /^evt_[0-9A-HJKMNP-TV-Z]{26}$/;

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/** A minimal EventSource over node:http that records events and comments. */
class Subscriber {
  events: SseEvent[] = [];
  comments: string[] = [];
  ended = false;
  private buffer = '';
  private waiters: (() => void)[] = [];
  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      this.buffer += chunk;
      let cut = this.buffer.indexOf('\n\n');
      while (cut >= 0) {
        this.parse(this.buffer.slice(0, cut));
        this.buffer = this.buffer.slice(cut + 2);
        cut = this.buffer.indexOf('\n\n');
      }
      this.wake();
    });
    res.on('end', () => {
      this.ended = true;
      this.wake();
    });
    res.on('error', () => {});
  }
  private parse(block: string) {
    const event: SseEvent = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else {
        const [, field, value] = /^(\w+): ?(.*)$/.exec(line) ?? [];
        if (field === 'id' || field === 'event' || field === 'data') event[field] = value;
      }
    }
    if (Object.keys(event).length > 0) this.events.push(event);
  }
  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves once `check` holds, or fails after `ms`. */
  async until(check: () => boolean, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; events so far: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, left);
      });
    }
  }
  close() {
    this.res.destroy();
  }
}

let app: App;
let server: Server;
let base: string;
let a: ProjectTokens;
let b: ProjectTokens;
const open: Subscriber[] = [];

async function listen(target: App): Promise<{ server: Server; base: string }> {
  const srv = target.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => srv.once('listening', resolve));
  return { server: srv, base: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` };
}

/** Opens a stream; resolves with the response once its headers are in. */
function subscribe(channel: string, token: string | null, opts: { query?: string; at?: string } = {}): Promise<Subscriber> {
  const url = new URL(`${opts.at ?? base}/infra/channels/${channel}/subscribe${opts.query ?? ''}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { Accept: 'text/event-stream', ...(token ? bearer(token) : {}) } }, (res) => {
      const sub = new Subscriber(res);
      open.push(sub);
      resolve(sub);
    });
    req.on('error', reject);
    req.end();
  });
}

const publish = (channel: string, token: string, body: object) =>
  request(app.app).post(`/infra/channels/${channel}/publish`).set(bearer(token)).send(body);

beforeAll(async () => {
  app = await createApp({ dbUrl: ':memory:', validateResponses: true, log: () => {}, infra: { keepAliveMs: 150 } });
  ({ server, base } = await listen(app));
  [a, b] = [await newProject(app.app), await newProject(app.app)];
});
afterAll(async () => {
  for (const s of open) s.close();
  await app?.close();
  await new Promise((resolve) => server?.close(resolve));
});

describe('publish and subscribe', () => {
  it('streams a published event with its id to a subscriber', async () => {
    const sub = await subscribe('my-channel', a.live);
    expect(sub.res.statusCode).toBe(200);
    expect(sub.res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(sub.res.headers['cache-control']).toContain('no-cache');
    expect(sub.res.headers['x-microtokens-used']).toBe('5');
    expect(sub.res.headers['x-request-id']).toMatch(/^req_/);

    const res = await publish('my-channel', a.live, { event: 'ping', data: { hello: 'world' } });
    expect(res.status).toBe(200);
    expect(res.headers['x-microtokens-used']).toBe('3');
    expect(res.body).toEqual({ id: expect.stringMatching(EVENT_ID), channel: 'my-channel', event: 'ping', delivered: 1, published_at: expect.any(String) });
    expect(res.body.published_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    await sub.until(() => sub.events.length === 1);
    const [event] = sub.events;
    expect(event.id).toBe(res.body.id);
    expect(event.event).toBe('ping');
    expect(JSON.parse(event.data!)).toEqual({ id: res.body.id, event: 'ping', data: { hello: 'world' }, published_at: res.body.published_at });
    sub.close();
  });

  it('reaches every subscriber of the channel, in publish order, with increasing ids', async () => {
    const [s1, s2] = [await subscribe('fanout', a.live), await subscribe('fanout', a.live)];
    const elsewhere = await subscribe('fanout.other', a.live);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await publish('fanout', a.live, { event: 'tick', data: i });
      expect(res.body.delivered).toBe(2);
      ids.push(res.body.id);
    }
    expect([...ids].sort()).toEqual(ids);
    for (const s of [s1, s2]) {
      await s.until(() => s.events.length === 5);
      expect(s.events.map((e) => e.id)).toEqual(ids);
      expect(s.events.map((e) => JSON.parse(e.data!).data)).toEqual([0, 1, 2, 3, 4]);
    }
    // The other channel got nothing: its own event is the first it sees.
    await publish('fanout.other', a.live, { event: 'mine' });
    await elsewhere.until(() => elsewhere.events.length === 1);
    expect(elsewhere.events[0].event).toBe('mine');
  });

  it('sends data null when the body has none', async () => {
    const sub = await subscribe('no-data', a.live);
    await publish('no-data', a.live, { event: 'bare' });
    await sub.until(() => sub.events.length === 1);
    expect(JSON.parse(sub.events[0].data!).data).toBeNull();
  });

  it('accepts a browser token in the query string', async () => {
    const minted = await request(app.app).post('/core/tokens/browser').set(bearer(a.live)).send({ scopes: ['channels:subscribe'], ttl: 60 });
    expect(minted.status).toBe(200);
    const sub = await subscribe('browser', null, { query: `?token=${encodeURIComponent(minted.body.token)}` });
    expect(sub.res.statusCode).toBe(200);
    const res = await publish('browser', a.live, { event: 'hi', data: 'there' });
    expect(res.body.delivered).toBe(1);
    await sub.until(() => sub.events.length === 1);
    expect(sub.events[0].id).toBe(res.body.id);
  });

  it('sends a keep-alive comment while idle', async () => {
    const sub = await subscribe('idle', a.live);
    await sub.until(() => sub.comments.includes('keep-alive'));
    expect(sub.events).toEqual([]);
  });

  it('stops counting a subscriber once it disconnects', async () => {
    const sub = await subscribe('leaving', a.live);
    expect((await publish('leaving', a.live, { event: 'x' })).body.delivered).toBe(1);
    sub.close();
    const deadline = Date.now() + 3000;
    let delivered = 1;
    while (delivered !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      delivered = (await publish('leaving', a.live, { event: 'x' })).body.delivered;
    }
    expect(delivered).toBe(0);
  });
});

describe('isolation', () => {
  it('never delivers to another project or to the other mode', async () => {
    const other = await subscribe('shared-name', b.live);
    const sandbox = await subscribe('shared-name', a.test);
    const live = await subscribe('shared-name', a.live);
    const res = await publish('shared-name', a.live, { event: 'secret', data: 'for a live only' });
    expect(res.body.delivered).toBe(1);
    await live.until(() => live.events.length === 1);
    // Each of the others then gets its own event first: nothing else reached them.
    const own = await publish('shared-name', b.live, { event: 'b' });
    expect(own.body.delivered).toBe(1);
    const test = await publish('shared-name', a.test, { event: 'sandbox' });
    expect(test.body.delivered).toBe(1);
    expect(test.headers['x-microtokens-used']).toBe('0');
    await other.until(() => other.events.length === 1);
    await sandbox.until(() => sandbox.events.length === 1);
    expect(other.events.map((e) => e.event)).toEqual(['b']);
    expect(sandbox.events.map((e) => e.event)).toEqual(['sandbox']);
    expect(live.events.map((e) => e.event)).toEqual(['secret']);
  });
});

describe('errors', () => {
  it('answers 413 for data over 64 KB serialized, and accepts exactly 64 KB', async () => {
    const sub = await subscribe('sized', a.live);
    const exact = 'x'.repeat(65_536 - 2);
    const tooBig = await publish('sized', a.live, { event: 'big', data: `${exact}y` });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const ok = await publish('sized', a.live, { event: 'big', data: exact });
    expect(ok.status).toBe(200);
    await sub.until(() => sub.events.length === 1);
    expect(sub.events[0].id).toBe(ok.body.id);
  });

  it.each([
    ['a channel name with a space', 'bad%20name', { event: 'x' }],
    ['a channel name with two dots in a row', 'a..b', { event: 'x' }],
    ['an event name with a newline', 'ok', { event: 'a\nb' }],
    ['an unknown field', 'ok', { event: 'x', extra: 1 }],
  ])('answers 400 for %s', async (_name, channel, body) => {
    const res = await publish(channel, a.live, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
  });

  it('answers 401 to a subscriber without credentials, in the JSON envelope', async () => {
    const sub = await subscribe('closed', null);
    expect(sub.res.statusCode).toBe(401);
    expect(sub.res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers 403 to a token without channels:publish', async () => {
    const res = await publish('ro', a.readOnly, { event: 'x' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('INSUFFICIENT_SCOPE');
  });
});

describe('shutdown', () => {
  it('ends open streams when the app closes', async () => {
    const own = await createApp({ dbUrl: ':memory:', validateResponses: true, log: () => {} });
    const listening = await listen(own);
    const p = await newProject(own.app);
    const sub = await subscribe('bye', p.live, { at: listening.base });
    expect(sub.res.statusCode).toBe(200);
    await own.close();
    await sub.until(() => sub.ended);
    await new Promise((resolve) => listening.server.close(resolve));
  });
});
