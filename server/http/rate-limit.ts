/**
 * Rate limits (express-rate-limit, IETF draft-8 `RateLimit` headers, `Retry-After` on 429): live
 * tokens and sessions get a generous per-minute budget each; test mode gets 100 requests per hour
 * per organization, shared by every test credential of it (test tokens are free to mint, so a
 * budget per token bought nothing: issue 13, item 9); the public sign-up/sign-in routes get a
 * per-IP budget. Counters live in memory, or in Redis when one is configured, so that several
 * instances share them.
 *
 * @module server/http/rate-limit
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, MemoryStore, type Options, rateLimit, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';
import type { Locals } from '../context.ts';
import { ApiError } from '../errors.ts';

export interface RateLimitOptions {
  /** Requests per minute for live tokens and sessions (default `SAASIGNAL_RATE_LIMIT` or 600). */
  livePerMinute?: number;
  /**
   * Test-mode requests per hour per organization, across all its test credentials (default
   * `SAASIGNAL_TEST_RATE_LIMIT` or {@link TEST_PER_HOUR}, as documented).
   */
  testPerHour?: number;
  /** Sign-up/sign-in requests per minute per IP (default `SAASIGNAL_AUTH_RATE_LIMIT` or 60). */
  authPerMinute?: number;
  /**
   * Answers with an invalid credential (401) per client IP per minute before that address is
   * refused (default `SAASIGNAL_INVALID_CREDENTIAL_LIMIT` or 30).
   */
  invalidPerMinute?: number;
  /** Shared counters; memory when absent. */
  redis?: Redis;
  /** Key prefix in Redis (tests use a unique one). */
  redisPrefix?: string;
}

export interface RateLimiters {
  /** For operations with a credential: picks the budget from the credential's mode. */
  perCredential: RequestHandler;
  /** For the public auth operations: per client IP. */
  perIp: RequestHandler;
  /**
   * Per client IP, before the credential is checked: an address whose recent requests were
   * answered 401 too often is refused (429) without a lookup; every 401 answer counts.
   */
  invalidCredentials: RequestHandler;
}

/** The documented test-mode budget: requests per hour per organization (spec/guides/rate-limits.md). */
export const TEST_PER_HOUR = 100;

const envNumber = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/** Distinct client addresses whose keys are remembered; past this the memory starts over (a bound, not an expected size). */
const MAX_ADDRESSES = 10_000;
const addressKeys = new Map<string, string>();

/**
 * express-rate-limit's `ipKeyGenerator` (an IPv6 address becomes its /56 network, an IPv4-mapped
 * one its IPv4 address), remembered per address: it parses the address with `ip-address` twice,
 * ~3% of a KV get's CPU when every request came from `::ffff:127.0.0.1`. Same input, same key.
 */
export function addressKey(ip: string): string {
  let key = addressKeys.get(ip);
  if (key === undefined) {
    key = ipKeyGenerator(ip);
    if (addressKeys.size >= MAX_ADDRESSES) addressKeys.clear();
    addressKeys.set(ip, key);
  }
  return key;
}

function credentialKey(req: Request, res: Response<unknown, Locals>): string {
  const auth = res.locals.auth;
  // Browser tokens spend their parent token's budget: minting more of them buys nothing.
  if (auth?.tokenId) return `tok:${auth.tokenId}`;
  if (auth?.userId) return `usr:${auth.userId}`;
  return `ip:${addressKey(req.ip ?? '')}`;
}

/**
 * Test mode spends one budget per organization: every sk_test_ token of it, and every browser
 * token made from one (whose `orgId` is its parent's). A test credential always names its
 * organization; the per-credential key is only a backstop.
 */
function sandboxKey(req: Request, res: Response<unknown, Locals>): string {
  const orgId = res.locals.auth?.orgId;
  return orgId ? `org:${orgId}` : credentialKey(req, res);
}

/**
 * rate-limit-redis loads its Lua scripts once, in `init()`, and keeps the promise: an instance
 * started while Redis was unreachable failed every later request with that first error (503
 * forever, long after Redis was back). Here a failed load is loaded again by the next request.
 */
class RedisCounters extends RedisStore {
  #failed = new Set<'increment' | 'get'>();

  /**
   * Redis unreachable at start: express-rate-limit printed each limiter's failed script load as a
   * stack trace (three of them). The failure is remembered and retried by the next request, and
   * the server says once, in one line, that Redis is unreachable (server/main.ts).
   */
  override async init(options: Parameters<RedisStore['init']>[0]): Promise<void> {
    await super.init(options).catch(() => undefined);
  }

  override loadIncrementScript(key?: string): Promise<string> {
    return this.#track('increment', super.loadIncrementScript(key));
  }

  override loadGetScript(key?: string): Promise<string> {
    return this.#track('get', super.loadGetScript(key));
  }

  override increment(key: string) {
    if (this.#failed.has('increment')) this.incrementScriptSha = this.loadIncrementScript(key);
    return super.increment(key);
  }

  override get(key: string) {
    if (this.#failed.has('get')) this.getScriptSha = this.loadGetScript(key);
    return super.get(key);
  }

  #track(script: 'increment' | 'get', loading: Promise<string>): Promise<string> {
    this.#failed.delete(script);
    // The caller still sees the rejection; this branch only remembers it.
    loading.catch(() => this.#failed.add(script));
    return loading;
  }
}

export function createRateLimiters(options: RateLimitOptions = {}): RateLimiters {
  const prefix = options.redisPrefix ?? 'saasignal:rl:';
  const store = (name: string): Store | undefined =>
    options.redis
      ? new RedisCounters({
          prefix: `${prefix}${name}:`,
          sendCommand: (command: string, ...args: string[]) => options.redis!.call(command, ...args) as never,
        })
      : undefined;

  const limiter = (name: string, limit: number, windowMs: number, keyGenerator: (req: Request, res: Response) => string, whose = 'this credential') =>
    rateLimit({
      windowMs,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator,
      // That check reads the key generator's source for `ipKeyGenerator`; ours call it through
      // `addressKey`, which remembers its answers (test/server/address-key.test.ts).
      validate: { keyGeneratorIpFallback: false },
      store: store(name),
      // Express-rate-limit has already set `Retry-After`; the error handler keeps it.
      handler: (_req: Request, res: Response, next: NextFunction) => {
        const retryAfter = res.getHeader('Retry-After');
        next(new ApiError('RATE_LIMITED', `Too many requests for ${whose}: ${limit} per ${windowMs / 1000} s. Retry after ${retryAfter} s.`));
      },
    });

  const live = limiter('live', options.livePerMinute ?? envNumber('SAASIGNAL_RATE_LIMIT', 600), 60_000, credentialKey as never);
  const testLimit = options.testPerHour ?? envNumber('SAASIGNAL_TEST_RATE_LIMIT', TEST_PER_HOUR);
  // `test-org`, not `test`: counters of the former per-token keys are not this budget.
  const test = limiter('test-org', testLimit, 3_600_000, sandboxKey as never, "this organization's test mode (all its sk_test_ and browser tokens together)");
  const perIp = limiter('auth', options.authPerMinute ?? envNumber('SAASIGNAL_AUTH_RATE_LIMIT', 60), 60_000, (req) => addressKey(req.ip ?? ''));

  const invalidLimit = options.invalidPerMinute ?? envNumber('SAASIGNAL_INVALID_CREDENTIAL_LIMIT', 30);
  const failures = store('invalid') ?? new MemoryStore();
  void failures.init?.({ windowMs: 60_000 } as Options);
  const invalidCredentials: RequestHandler = async (req, res, next) => {
    const key = addressKey(req.ip ?? '');
    // Counted once the answer is known: identify's 401s and sign-in's INVALID_CREDENTIALS alike.
    res.on('finish', () => {
      if (res.statusCode === 401) Promise.resolve(failures.increment(key)).catch(() => undefined);
    });
    const seen = await failures.get?.(key);
    // rate-limit-redis answers a key it has never seen with NaN hits: not over the limit.
    if (!seen || !(seen.totalHits >= invalidLimit)) return next();
    const retryAfter = Math.max(1, Math.ceil(((seen.resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
    next(
      new ApiError('RATE_LIMITED', `Too many requests with invalid credentials from this address: ${invalidLimit} per 60 s. Retry after ${retryAfter} s.`, {
        headers: { 'Retry-After': String(retryAfter) },
      }),
    );
  };

  return {
    invalidCredentials,
    perCredential: (req, res, next) => ((res.locals as Locals).auth?.mode === 'test' ? test : live)(req, res, next),
    perIp,
  };
}
