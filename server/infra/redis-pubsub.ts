/**
 * Channels across server instances over Redis pub/sub: each instance holds one subscriber
 * connection and SUBSCRIBEs to a topic while it has at least one local subscriber; a publish
 * (on any instance) goes through Redis, which reaches every instance with subscribers.
 *
 * `delivered` counts SSE subscribers on every instance, not Redis connections: each instance
 * keeps its subscriber count per topic in a hash (`…:subs`, field = instance id) and a presence
 * key it refreshes every 10 s (it expires 30 s after the last refresh). The publish script sums the counts of
 * instances that are present, in the same atomic step as the PUBLISH, and forgets dead ones.
 *
 * @module server/infra/redis-pubsub
 */
import type { Redis } from 'ioredis';
import { Script } from './kv-redis-scripts.ts';
import { type ChannelEvent, deliver, type Listener, type PubSub, topicOf } from './pubsub.ts';
import { fresh, REPLAY_EVENTS, REPLAY_MS } from './replay-window.ts';
import { ulid } from '../ids.ts';

const PRESENCE_MS = 30_000;

/**
 * KEYS: subs hash, replay list. ARGV: topic, message, presence key prefix, events kept, window ms.
 * Returns subscribers counted. The event joins the replay window in the same atomic step as the
 * PUBLISH, so the window's order is the order every subscriber saw.
 */
const PUBLISH = new Script(`
redis.call('PUBLISH', ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[4]), -1)
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local counts, total = redis.call('HGETALL', KEYS[1]), 0
for i = 1, #counts, 2 do
  if redis.call('EXISTS', ARGV[3] .. counts[i]) == 1 then
    total = total + math.max(tonumber(counts[i + 1]), 0)
  else
    redis.call('HDEL', KEYS[1], counts[i])
  end
end
return total
`);

export interface RedisPubSubOptions {
  keyPrefix?: string;
  /** How long an instance counts after its last heartbeat (default 30 s); tests shorten it. */
  presenceMs?: number;
}

export function createRedisPubSub(pub: Redis, sub: Redis, options: RedisPubSubOptions = {}): PubSub {
  const root = `${options.keyPrefix ?? 'ss:'}ch:`;
  const presenceMs = options.presenceMs ?? PRESENCE_MS;
  const heartbeatMs = Math.max(10, Math.floor(presenceMs / 3));
  const instance = ulid();
  const presenceRoot = `${root}instance:`;
  const presenceKey = presenceRoot + instance;
  const subsKey = (topic: string) => `${root}${topic}:subs`;
  const logKey = (topic: string) => `${root}${topic}:log`;
  /** Redis channel name -> local listeners. */
  const local = new Map<string, Set<Listener>>();

  sub.on('message', (redisChannel: string, message: string) => {
    const listeners = local.get(redisChannel);
    if (!listeners) return;
    let event: ChannelEvent;
    try {
      event = JSON.parse(message) as ChannelEvent;
    } catch {
      return; // not ours (anyone can PUBLISH to a Redis channel); never let it crash the server
    }
    deliver(listeners, event);
  });

  /** Re-asserts this instance's presence and counts (e.g. after Redis lost them in a restart). */
  const heartbeat = async () => {
    const multi = pub.multi().set(presenceKey, '1', 'PX', presenceMs);
    for (const [channel, set] of local) multi.hset(subsKey(channel.slice(root.length)), instance, set.size);
    await multi.exec();
  };
  const timer = setInterval(() => heartbeat().catch(() => {}), heartbeatMs);
  timer.unref();

  return {
    async publish(ns, channel, event) {
      const topic = topicOf(ns, channel);
      return (await PUBLISH.run(pub, [subsKey(topic), logKey(topic)], [root + topic, JSON.stringify(event), presenceRoot, REPLAY_EVENTS, REPLAY_MS])) as number;
    },

    async recent(ns, channel) {
      const raw = await pub.lrange(logKey(topicOf(ns, channel)), 0, -1);
      return fresh(raw.map((text) => JSON.parse(text) as ChannelEvent));
    },

    async forgetProject(projectId) {
      // Channel names never contain `*`, `?` or `[`; the project id is ours.
      const match = `${root}${projectId}:*:log`;
      let cursor = '0';
      do {
        const [next, keys] = await pub.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        if (keys.length > 0) await pub.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    },

    async subscribe(ns, channel, listener) {
      const topic = topicOf(ns, channel);
      const redisChannel = root + topic;
      let set = local.get(redisChannel);
      if (!set) {
        await sub.subscribe(redisChannel);
        // Another subscribe may have created the set while this one waited.
        set = local.get(redisChannel) ?? new Set();
        local.set(redisChannel, set);
      }
      const entry: Listener = (event) => listener(event);
      set.add(entry);
      try {
        await pub.multi().set(presenceKey, '1', 'PX', presenceMs).hset(subsKey(topic), instance, set.size).exec();
      } catch (error) {
        await release(redisChannel, set, entry, topic);
        throw error;
      }
      return () => release(redisChannel, set, entry, topic);
    },

    async close() {
      clearInterval(timer);
      const topics = [...local.keys()];
      local.clear();
      await Promise.allSettled([
        pub.del(presenceKey),
        ...topics.map((c) => pub.hdel(subsKey(c.slice(root.length)), instance)),
        ...(topics.length > 0 ? [sub.unsubscribe(...topics)] : []),
      ]);
    },
  };

  async function release(redisChannel: string, set: Set<Listener>, entry: Listener, topic: string) {
    if (!set.delete(entry)) return;
    const last = set.size === 0 && local.get(redisChannel) === set;
    if (last) local.delete(redisChannel);
    // Best effort: a failed update is corrected by the next heartbeat (or the presence expiry).
    await Promise.allSettled([
      last ? pub.hdel(subsKey(topic), instance) : pub.hset(subsKey(topic), instance, set.size),
      ...(last ? [sub.unsubscribe(redisChannel)] : []),
    ]);
  }
}
