/**
 * Channel fan-out conformance: the in-process bus (`store:sqlite`) and Redis pub/sub
 * (`store:postgres+redis`) deliver the same way. With Redis, "instances" are separate
 * connections pairs, as two server processes would hold: a publish on one reaches subscribers
 * on the other, and `delivered` counts subscribers on every live instance.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Namespace } from '../../server/infra/kv-store.ts';
import { type ChannelEvent, createMemoryPubSub, type PubSub } from '../../server/infra/pubsub.ts';
import { createRedisPubSub } from '../../server/infra/redis-pubsub.ts';
import { freshNamespace, storeKind } from './support/stores.ts';

const kind = storeKind();
const keyPrefix = `test:pubsub:${randomBytes(4).toString('hex')}:`;
const connections: Redis[] = [];
const instances: PubSub[] = [];
const memory = createMemoryPubSub();

/** A server instance's bus: a new Redis pair, or the one in-process bus. */
async function instance(options: { presenceMs?: number } = {}): Promise<PubSub> {
  if (kind === 'sqlite') return memory;
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set');
  const [pub, sub] = [new Redis(url, { lazyConnect: true }), new Redis(url, { lazyConnect: true })];
  await Promise.all([pub.connect(), sub.connect()]);
  connections.push(pub, sub);
  const bus = createRedisPubSub(pub, sub, { keyPrefix, ...options });
  instances.push(bus);
  return bus;
}

afterAll(async () => {
  for (const bus of instances) await bus.close();
  if (connections.length > 0) {
    const [first] = connections;
    const keys = await first.keys(`${keyPrefix}*`);
    if (keys.length > 0) await first.del(...keys);
    await Promise.all(connections.map((c) => c.quit().catch(() => {})));
  }
});

let seq = 0;
const event = (name = 'tick', data: unknown = null): ChannelEvent => ({
  id: `evt_${String(seq++).padStart(26, '0')}`,
  event: name,
  data,
  published_at: new Date().toISOString(),
});

/** Collects what a listener receives. */
function inbox() {
  const received: ChannelEvent[] = [];
  return {
    received,
    listener: (e: ChannelEvent) => void received.push(e),
    async until(n: number, ms = 3000) {
      const deadline = Date.now() + ms;
      while (received.length < n) {
        if (Date.now() > deadline) throw new Error(`got ${received.length} of ${n} events`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  };
}

/** Waits long enough for a stray delivery to have arrived, if there were one. */
const settle = () => new Promise((r) => setTimeout(r, 100));

describe(`${kind === 'sqlite' ? 'in-process' : 'redis'} pub/sub`, () => {
  it('delivers a publish to a subscriber, with the event unchanged', async () => {
    const bus = await instance();
    const ns = freshNamespace();
    const box = inbox();
    const unsubscribe = await bus.subscribe(ns, 'room', box.listener);
    const sent = event('ping', { hello: 'world', list: [1, 2] });
    expect(await bus.publish(ns, 'room', sent)).toBe(1);
    await box.until(1);
    expect(box.received).toEqual([sent]);
    await unsubscribe();
  });

  it('reaches subscribers on other instances and counts them all', async () => {
    const [one, two] = [await instance(), await instance()];
    const ns = freshNamespace();
    const boxes = [inbox(), inbox(), inbox()];
    await one.subscribe(ns, 'room', boxes[0].listener);
    await two.subscribe(ns, 'room', boxes[1].listener);
    await two.subscribe(ns, 'room', boxes[2].listener);
    const sent = [event(), event(), event()];
    for (const e of sent) expect(await one.publish(ns, 'room', e)).toBe(3);
    for (const box of boxes) {
      await box.until(3);
      expect(box.received).toEqual(sent);
    }
  });

  it('keeps namespaces, modes and channels apart', async () => {
    const bus = await instance();
    const ns = freshNamespace();
    const targets: [Namespace, string][] = [
      [ns, 'room'],
      [{ ...ns, mode: 'test' }, 'room'],
      [freshNamespace(), 'room'],
      [ns, 'room.2'],
      [ns, 'roo'],
    ];
    const boxes = targets.map(() => inbox());
    for (const [i, [target, channel]] of targets.entries()) await bus.subscribe(target, channel, boxes[i].listener);
    expect(await bus.publish(ns, 'room', event())).toBe(1);
    await boxes[0].until(1);
    await settle();
    expect(boxes.map((b) => b.received.length)).toEqual([1, 0, 0, 0, 0]);
  });

  it('stops delivering and counting after unsubscribe', async () => {
    const [one, two] = [await instance(), await instance()];
    const ns = freshNamespace();
    const [stay, leave] = [inbox(), inbox()];
    await one.subscribe(ns, 'room', stay.listener);
    const unsubscribe = await two.subscribe(ns, 'room', leave.listener);
    expect(await one.publish(ns, 'room', event())).toBe(2);
    await leave.until(1);
    await unsubscribe();
    expect(await one.publish(ns, 'room', event())).toBe(1);
    await stay.until(2);
    await settle();
    expect(leave.received).toHaveLength(1);
  });

  it('counts the same listener subscribed twice as two subscribers', async () => {
    const bus = await instance();
    const ns = freshNamespace();
    const box = inbox();
    const first = await bus.subscribe(ns, 'room', box.listener);
    await bus.subscribe(ns, 'room', box.listener);
    expect(await bus.publish(ns, 'room', event())).toBe(2);
    await box.until(2);
    await first();
    expect(await bus.publish(ns, 'room', event())).toBe(1);
  });

  it('delivers to every listener even when one throws', async () => {
    const bus = await instance();
    const ns = freshNamespace();
    const box = inbox();
    await bus.subscribe(ns, 'room', () => {
      throw new Error('broken subscriber');
    });
    await bus.subscribe(ns, 'room', box.listener);
    expect(await bus.publish(ns, 'room', event())).toBe(2);
    await box.until(1);
  });

  it('counts no subscriber when there is none', async () => {
    const bus = await instance();
    expect(await bus.publish(freshNamespace(), 'empty', event())).toBe(0);
  });

  // Only Redis channels can carry text from someone else.
  if (kind === 'postgres') it('ignores a message on its Redis channel that is not an event', async () => {
    const bus = await instance();
    const ns = freshNamespace();
    const box = inbox();
    await bus.subscribe(ns, 'room', box.listener);
    await connections[0].publish(`${keyPrefix}ch:${ns.projectId}:${ns.mode}:room`, 'not json {');
    const sent = event();
    await bus.publish(ns, 'room', sent);
    await box.until(1);
    expect(box.received).toEqual([sent]);
  });

  // Only Redis has instances that can die apart from the publisher.
  if (kind === 'postgres') it('stops counting an instance that died without unsubscribing', async () => {
    const alive = await instance();
    const doomed = await instance({ presenceMs: 300 });
    const ns = freshNamespace();
    await alive.subscribe(ns, 'room', inbox().listener);
    await doomed.subscribe(ns, 'room', inbox().listener);
    expect(await alive.publish(ns, 'room', event())).toBe(2);
    // A crash: the connections drop, nothing is cleaned up.
    for (const c of connections.slice(-2)) c.disconnect();
    await new Promise((r) => setTimeout(r, 500));
    expect(await alive.publish(ns, 'room', event())).toBe(1);
  });
});
