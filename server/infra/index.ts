/**
 * KV and channels for the app: picks the backends (Redis when `redisUrl` is given, else the
 * shared SQL database and in-process channels), and returns the handlers of their operations.
 *
 * @module server/infra
 * @example
 * const infra = await createInfra({ db, redisUrl: process.env.REDIS_URL });
 * // mount infra.handlers; on project deletion: await infra.deleteProjectData(projectId)
 */
import type { Redis } from 'ioredis';
import type { Handlers } from '../context.ts';
import type { Db } from '../db/index.ts';
import type { RequestChecks } from '../http/request-checks.ts';
import { channelChecks, channelHandlers } from './channel-handlers.ts';
import { kvChecks, kvHandlers } from './kv-handlers.ts';
import { createRedisKvStore } from './kv-redis-store.ts';
import { createSqlKvStore } from './kv-sql-store.ts';
import { type KvStore, SANDBOX_DEFAULTS, type SandboxBound } from './kv-store.ts';
import { createMemoryPubSub, type PubSub } from './pubsub.ts';
import { createRedisPubSub } from './redis-pubsub.ts';
import type { StreamGuard } from '../streams/guard.ts';
import { guardService } from './unavailable.ts';

export interface Infra {
  handlers: Handlers;
  /** What the KV and channel operations refuse before any work (server/http/request-checks.ts). */
  checks: RequestChecks;
  /** Removes every key and channel replay window of a project, in both modes (project deletion). */
  deleteProjectData(projectId: string): Promise<void>;
  /** Stops the sweep, ends open event streams and closes Redis connections (not `db`). */
  close(): Promise<void>;
}

export interface InfraOptions {
  db: Db;
  /** `redis://…`: KV and channel fan-out in Redis, shared by every instance. */
  redisUrl?: string;
  /** Prefix of every Redis key and channel (default `ss:`). */
  redisKeyPrefix?: string;
  /** How often expired keys are reclaimed (default 60 s). */
  sweepIntervalMs?: number;
  /** Interval of the SSE `: keep-alive` comment (default 15 s). */
  keepAliveMs?: number;
  /** Supervises event streams (credential, lifetime, charges); the app always gives one. */
  streams?: StreamGuard;
  /**
   * The bound of each project's test-mode keys (default `SAASIGNAL_SANDBOX_MAX_KEYS` and
   * `SAASIGNAL_SANDBOX_MAX_BYTES`, else {@link SANDBOX_DEFAULTS}).
   */
  sandbox?: Partial<SandboxBound>;
}

const envPositive = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isSafeInteger(value) && value > 0 ? value : fallback;
};

export async function createInfra(opts: InfraOptions): Promise<Infra> {
  const connections: Redis[] = [];
  const sandbox: SandboxBound = {
    maxKeys: opts.sandbox?.maxKeys ?? envPositive('SAASIGNAL_SANDBOX_MAX_KEYS', SANDBOX_DEFAULTS.maxKeys),
    maxBytes: opts.sandbox?.maxBytes ?? envPositive('SAASIGNAL_SANDBOX_MAX_BYTES', SANDBOX_DEFAULTS.maxBytes),
  };
  let store: KvStore;
  let pubsub: PubSub;
  let closeRedis: ((redis: Redis) => Promise<void>) | undefined;
  if (opts.redisUrl) {
    // Loaded only when Redis is configured: ioredis costs ~0.2 s of CPU to import, which a server
    // on SQLite alone would pay before its first answer (app.ts loads it the same way).
    const client = await import('./redis-client.ts');
    closeRedis = client.closeRedis;
    const [commands, subscriber] = await Promise.all([client.connectRedis(opts.redisUrl), client.connectRedis(opts.redisUrl)]);
    connections.push(commands, subscriber);
    store = createRedisKvStore(commands, { keyPrefix: opts.redisKeyPrefix, sandbox });
    pubsub = createRedisPubSub(commands, subscriber, { keyPrefix: opts.redisKeyPrefix });
  } else {
    store = createSqlKvStore(opts.db, { sandbox });
    pubsub = createMemoryPubSub();
  }
  store = guardStore(store);
  pubsub = guardPubSub(pubsub);

  const sweep = setInterval(() => store.sweep().catch(() => {}), opts.sweepIntervalMs ?? 60_000);
  sweep.unref();
  const channels = channelHandlers(pubsub, { keepAliveMs: opts.keepAliveMs, guard: opts.streams });

  return {
    handlers: { ...kvHandlers(store, { sandbox }), ...channels.handlers },
    checks: { ...kvChecks, ...channelChecks },
    async deleteProjectData(projectId) {
      await store.deleteProject(projectId);
      await pubsub.forgetProject(projectId);
    },
    async close() {
      clearInterval(sweep);
      channels.closeStreams();
      await pubsub.close();
      await store.close();
      if (closeRedis) await Promise.all(connections.map(closeRedis));
    },
  };
}

/** Every store call answers 503 when its backend is unreachable. */
function guardStore(store: KvStore): KvStore {
  const what = 'KV store';
  return {
    get: (...a) => guardService(what, () => store.get(...a)),
    read: (...a) => guardService(what, () => store.read(...a)),
    set: (...a) => guardService(what, () => store.set(...a)),
    delete: (...a) => guardService(what, () => store.delete(...a)),
    increment: (...a) => guardService(what, () => store.increment(...a)),
    scan: (...a) => guardService(what, () => store.scan(...a)),
    deleteProject: (...a) => guardService(what, () => store.deleteProject(...a)),
    sweep: () => guardService(what, () => store.sweep()),
    close: () => store.close(),
  };
}

function guardPubSub(pubsub: PubSub): PubSub {
  const what = 'channel service';
  return {
    publish: (...a) => guardService(what, () => pubsub.publish(...a)),
    subscribe: (...a) => guardService(what, () => pubsub.subscribe(...a)),
    recent: (...a) => guardService(what, () => pubsub.recent(...a)),
    forgetProject: (...a) => guardService(what, () => pubsub.forgetProject(...a)),
    close: () => pubsub.close(),
  };
}
