/**
 * Redis connections for KV and channels, configured to fail fast: with Redis unreachable a
 * command is refused at once (no offline queue, one retry) so the request gets a 503 instead of
 * hanging, and the client keeps reconnecting in the background so the server recovers by
 * itself when Redis is back.
 *
 * @module server/infra/redis-client
 */
import { Redis } from 'ioredis';

export interface RedisOptions {
  /** Milliseconds before a command is abandoned (it then answers 503). */
  commandTimeout?: number;
}

export async function connectRedis(url: string, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeout ?? 5000,
    connectTimeout: 5000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  });
  // Without a listener ioredis prints every failed reconnect; the failures reach callers as 503s.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch {
    // Unreachable at start: serve 503s until the background reconnect succeeds.
  }
  return redis;
}

/** Closes a connection, even one that never managed to connect. */
export async function closeRedis(redis: Redis): Promise<void> {
  try {
    await redis.quit();
  } catch {
    redis.disconnect();
  }
}
