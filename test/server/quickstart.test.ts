/**
 * The docs' quick start, end to end over HTTP as curl would send it: sign up, create a project
 * and a token, `PUT /infra/kv/hello` `{"value":"world"}`, `GET /infra/kv/hello` ->
 * `{"key":"hello","value":"world","expires_at":null}`, publish an event, which a subscriber of
 * the channel receives.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, subscribe } from './support/http.ts';
import { quickStart } from './support/quick-start.ts';
import { openApp, type TestApp } from './support/platform.ts';

let t: TestApp;
let server: Server;
let base: string;
beforeAll(async () => {
  t = await openApp();
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  expect(t.logs).toEqual([]);
  await t.close();
});

it('the quick start works end to end, and the published event reaches a subscriber', async () => {
  const { key } = await quickStart(base);
  const stream = await subscribe(`${base}/infra/channels/my-channel/subscribe`, key);
  try {
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    const published = await call(base, 'POST', '/infra/channels/my-channel/publish', { token: key, body: { event: 'ping', data: { hello: 'world' } } });
    expect(published.status).toBe(200);
    expect(published.body).toEqual({ id: expect.stringMatching(/^evt_/), channel: 'my-channel', event: 'ping', delivered: 1, published_at: expect.any(String) });
    const event = await stream.next();
    expect(event).toEqual({ id: published.body.id, event: 'ping', data: expect.any(String) });
    expect(JSON.parse(event.data!)).toEqual({ id: published.body.id, event: 'ping', data: { hello: 'world' }, published_at: published.body.published_at });
  } finally {
    stream.close();
  }
});
