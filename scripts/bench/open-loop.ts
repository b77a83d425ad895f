/**
 * Latency below capacity (issue 16): requests sent on a fixed schedule, one every 1/rate
 * seconds, whatever the answers' pace, so that a slow answer does not slow the sender down (an
 * open loop). Each latency runs from the request's *scheduled* send time to the end of its
 * answer, so a request the client could only send late (its own event loop busy, every socket
 * taken) counts that delay too: no coordinated omission.
 *
 * Not autocannon's `overallRate`: autocannon 8 splits the rate over its connections, and each
 * connection sends its share of a second back to back (the next request on each answer) at the
 * start of every second, then waits for the next second (lib/httpClient.js, `reqsMadeThisSecond`).
 * At 100 connections that is a closed loop at 100 connections for the first part of every
 * second: the queue of a saturated server, the figure the closed loop already reports. Its
 * coordinated-omission correction then adds synthetic samples at 1 ms intervals below each
 * latency (`recordValueWithExpectedInterval` with `ceil(1 / rate)`).
 *
 * @module scripts/bench/open-loop
 */
import { Agent, request } from 'node:http';
import type { RawRequest, RequestSpec } from 'autocannon';

export interface OpenLoopResult {
  /** Requests per second asked for. */
  rate: number;
  /** Requests per second answered. */
  rps: number;
  /** Milliseconds from each request's scheduled send time to the end of its answer. */
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** How late the client itself sent, p99 in milliseconds: its share of the latency above. */
  sendLagP99?: number;
}

/** autocannon's default and the closed loop's: an answer slower than this is an error. */
const TIMEOUT_MS = 10_000;
/** More than the queue of any run that meets its target; beyond it, requests wait in the agent (and that wait is counted). */
const MAX_SOCKETS = 256;

const percentile = (sorted: Float64Array, p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]);
const ms = (x: number) => Math.round(x * 100) / 100;

/** The i-th request of the specs, in turn, as autocannon builds it (setupRequest gets a copy and a per-run context). */
function requestMaker(specs: RequestSpec[]): () => RawRequest {
  const context: Record<string, unknown> = {};
  let i = 0;
  return () => {
    const spec = specs[i++ % specs.length];
    const { setupRequest, ...raw } = spec;
    return setupRequest ? setupRequest({ ...raw }, context) : raw;
  };
}

/** `rate` requests per second for `seconds`, evenly spaced, on keep-alive connections to `url` (loopback). */
export async function runOpenLoop(url: string, requests: RequestSpec[], rate: number, seconds: number): Promise<OpenLoopResult> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, scheduling: 'lifo' });
  const next = requestMaker(requests);
  const count = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const latencies = new Float64Array(count).fill(NaN);
  const lags = new Float64Array(count);
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let allSettled!: () => void;
  const done = new Promise<void>((resolve) => (allSettled = resolve));
  const settle = () => {
    if (++settled === count) allSettled();
  };

  const send = (i: number, scheduled: number) => {
    lags[i] = performance.now() - scheduled;
    let over = false;
    const finish = (failed: boolean) => {
      if (over) return;
      over = true;
      if (failed) errors++;
      else latencies[i] = performance.now() - scheduled;
      settle();
    };
    const spec = next();
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    const headers = body ? { ...spec.headers, 'content-length': String(body.length) } : spec.headers;
    const req = request({ agent, host: target.hostname, port: target.port, method: spec.method ?? 'GET', path: spec.path, headers }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode! < 200 || res.statusCode! >= 300) non2xx++;
        finish(false);
      });
    });
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new Error('timed out')));
    req.on('error', () => finish(true));
    req.end(body);
  };

  const start = performance.now() + 10;
  let sent = 0;
  // A timer wakes at least ~1 ms apart: each wake sends every request whose time has come, each
  // timed from its own scheduled time, so the schedule stays exact even when the wake is late.
  const tick = () => {
    const now = performance.now();
    while (sent < count && start + sent * interval <= now) {
      send(sent, start + sent * interval);
      sent++;
    }
    if (sent < count) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
  };
  setTimeout(tick, 10);

  // Bounded: the schedule, then at most one timeout for the last answers.
  let guard: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (guard = setTimeout(resolve, seconds * 1000 + TIMEOUT_MS + 1000)))]);
  clearTimeout(guard);
  agent.destroy();
  const answered = latencies.filter((x) => !Number.isNaN(x)).sort();
  const lagSorted = lags.slice(0, sent).sort();
  return {
    rate: Math.round(rate),
    rps: answered.length / seconds,
    p50: ms(percentile(answered, 0.5)),
    p99: ms(percentile(answered, 0.99)),
    non2xx,
    errors: errors + (count - settled),
    sendLagP99: ms(percentile(lagSorted, 0.99)),
  };
}
