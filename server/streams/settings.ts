/**
 * Limits of event streams, from the environment (documented in the Streams guide and
 * .env.example). Every stream counts against its API token (a browser token against the API
 * token it came from), its project and its organization, across all instances; an instance also
 * caps the streams it holds, so that sockets and file descriptors stay free for ordinary requests.
 *
 * @module server/streams/settings
 */
import { readFileSync } from 'node:fs';

export interface StreamSettings {
  /** Concurrent streams per API token, its browser tokens included (`SAASIGNAL_STREAM_LIMIT_PER_TOKEN`). */
  perToken: number;
  /** Concurrent streams per project (`SAASIGNAL_STREAM_LIMIT_PER_PROJECT`). */
  perProject: number;
  /** Concurrent streams per organization (`SAASIGNAL_STREAM_LIMIT_PER_ORG`). */
  perOrg: number;
  /** Streams one instance holds, whoever opens them (`SAASIGNAL_STREAM_LIMIT_PER_INSTANCE`). */
  perInstance: number;
  /** A stream ends this long after it opened; clients reconnect (`SAASIGNAL_STREAM_MAX_LIFETIME`, seconds). */
  maxLifetimeMs: number;
  /** How often every open stream's credential is checked again (1 s). */
  recheckMs: number;
  /** The period of the per-minute charge (60 s; tests shorten it). */
  chargeEveryMs: number;
}

export const STREAM_DEFAULTS = { perToken: 10, perProject: 100, perOrg: 200, perInstance: 1000, maxLifetimeSeconds: 3600, recheckMs: 1000, chargeEveryMs: 60_000 } as const;

/** The soft limit on open files of this process (Linux), or null where it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : null;
  } catch {
    return null;
  }
}

/**
 * The instance's default cap: 1,000 streams, and never more than half of the open-file limit,
 * so that the other half serves ordinary requests, the database and Redis.
 */
export function defaultPerInstance(limit = openFileLimit()): number {
  return limit === null ? STREAM_DEFAULTS.perInstance : Math.max(1, Math.min(STREAM_DEFAULTS.perInstance, Math.floor(limit / 2)));
}

function envPositive(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, not "${raw}"`);
  return value;
}

export function streamSettings(overrides: Partial<StreamSettings> = {}, env: NodeJS.ProcessEnv = process.env): StreamSettings {
  const lifetime = envPositive('SAASIGNAL_STREAM_MAX_LIFETIME', env);
  return {
    perToken: envPositive('SAASIGNAL_STREAM_LIMIT_PER_TOKEN', env) ?? STREAM_DEFAULTS.perToken,
    perProject: envPositive('SAASIGNAL_STREAM_LIMIT_PER_PROJECT', env) ?? STREAM_DEFAULTS.perProject,
    perOrg: envPositive('SAASIGNAL_STREAM_LIMIT_PER_ORG', env) ?? STREAM_DEFAULTS.perOrg,
    perInstance: envPositive('SAASIGNAL_STREAM_LIMIT_PER_INSTANCE', env) ?? defaultPerInstance(),
    maxLifetimeMs: (lifetime ?? STREAM_DEFAULTS.maxLifetimeSeconds) * 1000,
    recheckMs: STREAM_DEFAULTS.recheckMs,
    chargeEveryMs: STREAM_DEFAULTS.chargeEveryMs,
    ...overrides,
  };
}
