/**
 * Sending one call: the attempt loop with a timeout per attempt, the caller's AbortSignal, and
 * retries of what is safe to repeat (connection errors, 408, 429, 5xx) after the wait the
 * server asks for or an exponential backoff.
 *
 * @module saasignal/runtime/request
 */
import { APIConnectionError, APITimeoutError, type SaaSignalError, toError } from './errors.ts';
import { type Logger, redactHeaders, redactUrl } from './log.ts';
import type { ApiDefinition } from './options.ts';
import { backoffMs, MAX_RETRY_WAIT_MS, retryableStatus, safeToRepeat, serverWaitMs, sleep } from './retry.ts';

/** A request ready to send, the same on every attempt. */
export interface Prepared {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Keep the body unread: the caller consumes it (an event stream). */
  stream?: boolean;
}

/** What an attempt needs from the client. */
export interface Settings {
  fetch: typeof fetch;
  timeout: number;
  maxRetries: number;
  signal?: AbortSignal;
  log?: Logger;
  errors: ApiDefinition['errors'];
}

/** An AbortSignal that fires on the caller's signal or when the attempt's time is up. */
function attemptSignal(caller: AbortSignal | undefined, ms: number) {
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = () => ctl.abort(caller?.reason);
  if (caller?.aborted) ctl.abort(caller.reason);
  else caller?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort(new APITimeoutError(ms));
  }, ms);
  return {
    signal: ctl.signal,
    timedOut: () => timedOut,
    /** The answer's headers came: the time limit no longer applies (a stream may last). */
    stopTimer: () => clearTimeout(timer),
    release: () => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Sends `req`, retrying as allowed, and resolves to the parsed body and the answer; an error
 * answer rejects with its typed error. For a stream, `release` must be called when done.
 */
export async function send(req: Prepared, s: Settings): Promise<{ data: unknown; response: Response; release: () => void }> {
  const repeatable = safeToRepeat(req.method, req.headers);
  const where = `${req.method} ${redactUrl(req.url)}`;
  for (let attempt = 0; ; attempt++) {
    const started = Date.now();
    const a = attemptSignal(s.signal, s.timeout);
    let failure: SaaSignalError;
    let wait: number | undefined;
    s.log?.debug(`${where} attempt ${attempt + 1}`, { headers: redactHeaders(req.headers) });
    try {
      const response = await s.fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: a.signal });
      if (response.ok && req.stream) {
        a.stopTimer();
        s.log?.debug(`${where} -> ${response.status} stream (${Date.now() - started} ms)`);
        return { data: response.body, response, release: a.release };
      }
      const data = await readBody(response);
      a.release();
      s.log?.debug(`${where} -> ${response.status} (${Date.now() - started} ms)`, { requestId: response.headers.get('x-request-id') });
      if (response.ok) return { data, response, release: () => undefined };
      failure = toError(response.status, data, response.headers, s.errors);
      if (!retryableStatus(response.status, response.headers)) throw failure;
      wait = serverWaitMs(response.headers);
      // The server asks for longer than a call should block: hand the answer back instead.
      if (wait !== undefined && wait > MAX_RETRY_WAIT_MS) throw failure;
    } catch (err) {
      a.release();
      if (s.signal?.aborted) throw s.signal.reason ?? err;
      if ((err as SaaSignalError)?.status > 0) throw err;
      failure = a.timedOut() ? new APITimeoutError(s.timeout) : new APIConnectionError(`Connection error: ${(err as Error)?.message ?? err}`, err);
      s.log?.debug(`${where} -> ${failure.code} (${Date.now() - started} ms)`);
    }
    if (!repeatable || attempt >= s.maxRetries) throw failure;
    const delay = wait ?? backoffMs(attempt);
    s.log?.debug(`${where} retry in ${Math.round(delay)} ms (${failure.status || failure.code})`);
    await sleep(delay, s.signal);
  }
}
