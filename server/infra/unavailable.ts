/**
 * Telling "the storage service is unreachable" (503, retry later) apart from a bug (500): the
 * stores wrap each call in {@link guardService}, which turns connection failures of Redis,
 * PostgreSQL or a locked SQLite file into `ApiError('SERVICE_UNAVAILABLE')` and lets anything
 * else through unchanged.
 *
 * @module server/infra/unavailable
 */
import { ApiError } from '../errors.ts';

/** Node socket errors: the service is down, restarting or unreachable. */
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** Redis replies that mean "not now" rather than "wrong command". */
const REDIS_TRANSIENT = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;
/** ioredis client-side failures: offline (no queue), retries exhausted, timed out, closed. */
const IOREDIS_OFFLINE = /Stream isn't writeable|Connection is closed|Command timed out|Reached the max retries|connect ETIMEDOUT/;

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & { code?: string };
  if (e.code && NET_CODES.has(e.code)) return true;
  // PostgreSQL: class 08 (connection exception), 57P01-57P03 (shutting down / cannot connect now), 53300 (too many connections).
  if (e.code && (/^08/.test(e.code) || /^57P0[1-3]$/.test(e.code) || e.code === '53300')) return true;
  if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') return true;
  if (e.name === 'MaxRetriesPerRequestError' || IOREDIS_OFFLINE.test(e.message)) return true;
  if (e.name === 'ReplyError') return REDIS_TRANSIENT.test(e.message);
  // pg: the pool's "Connection terminated" / "timeout exceeded when trying to connect".
  return /Connection terminated|timeout exceeded when trying to connect/.test(e.message);
}

/** Runs one store call; a connection failure becomes a 503 in the error envelope. */
export async function guardService<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) {
      throw new ApiError('SERVICE_UNAVAILABLE', `The ${what} is unreachable right now; retry shortly.`, { headers: { 'Retry-After': '1' } });
    }
    throw error;
  }
}
