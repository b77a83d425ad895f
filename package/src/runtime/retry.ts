/**
 * When to retry and how long to wait: exponential backoff with jitter, unless the answer says
 * when (`Retry-After` in seconds or as an HTTP date, or the IETF `RateLimit` headers).
 *
 * @module saasignal/runtime/retry
 * @see https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-ratelimit-headers/
 */

/** The longest wait the SDK accepts from the server; a longer one is returned to the caller as the error. */
export const MAX_RETRY_WAIT_MS = 60_000;

/**
 * Answers worth another try: timeout, rate limit and server-side failures, and a conflict that
 * says when to retry (a 409 with `Retry-After`: the same idempotency key still running).
 */
export function retryableStatus(status: number, headers?: Headers): boolean {
  return status === 408 || status === 429 || status >= 500 || (status === 409 && Boolean(headers?.has('retry-after')));
}

/** Methods that are safe to repeat; a POST or PATCH is only with an `Idempotency-Key`. */
export function safeToRepeat(method: string, headers: Record<string, string>): boolean {
  if (['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(method)) return true;
  return Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key');
}

/** The wait the answer asks for, in ms, or undefined when it says nothing. */
export function serverWaitMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  // draft-8: `RateLimit: "policy";r=0;t=5`; draft-7: `RateLimit: limit=10, remaining=0, reset=5`.
  const combined = headers.get('ratelimit');
  if (combined) {
    const remaining = /(?:^|[;,\s])(?:r|remaining)=(\d+)/.exec(combined);
    const reset = /(?:^|[;,\s])(?:t|reset)=(\d+)/.exec(combined);
    if (reset && (!remaining || remaining[1] === '0')) return Number(reset[1]) * 1000;
  }
  // draft-6: separate `RateLimit-Remaining` / `RateLimit-Reset` (seconds).
  const reset = headers.get('ratelimit-reset');
  if (reset && /^\d+$/.test(reset) && (headers.get('ratelimit-remaining') ?? '0') === '0') return Number(reset) * 1000;
  return undefined;
}

/** Exponential backoff from 0.5 s, capped at 8 s, with jitter so that many clients do not retry in step. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(500 * 2 ** attempt, 8000);
  return ceiling * (0.75 + 0.25 * random());
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
