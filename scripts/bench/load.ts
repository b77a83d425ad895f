/**
 * One load run: autocannon (keep-alive, N connections, fixed duration) against a child process,
 * with the child's CPU time and memory read from /proc before and after, so every figure is the
 * server's own. Answers that are not 2xx are counted: the report marks such a run invalid, since
 * a benchmark of error answers measures the wrong thing.
 *
 * @module scripts/bench/load
 */
import autocannon, { type RequestSpec } from 'autocannon';
import { cpuMicros, memory } from './proc-stats.ts';

export interface LoadSpec {
  name: string;
  url: string;
  connections: number;
  /** Seconds of measured load. */
  seconds: number;
  /** Seconds of load before measuring (JIT warm-up, caches), not counted. */
  warmupSeconds?: number;
  requests: RequestSpec[];
  headers?: Record<string, string>;
}

export interface LoadResult {
  name: string;
  /** Requests answered in the measured run. */
  requests: number;
  /** Requests answered in the warm-up and the measured run. */
  sent: number;
  /** Requests per second over the measured run. */
  rps: number;
  /** Latency percentiles, milliseconds. */
  p50: number;
  p99: number;
  /** Server CPU (user + system) per answered request, microseconds. */
  cpuUsPerRequest: number;
  /** The server's peak RSS (VmHWM) at the end of the run, bytes. */
  peakRss: number;
  rss: number;
  /** Answers that were not 2xx, and connection errors (warm-up included): a valid run has none. */
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
}

async function fire(spec: LoadSpec, seconds: number) {
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    timeout: 10,
    headers: spec.headers,
    requests: spec.requests,
  });
}

export async function runLoad(spec: LoadSpec, serverPid: number): Promise<LoadResult> {
  const warm = spec.warmupSeconds ? await fire(spec, spec.warmupSeconds) : null;
  const cpuBefore = cpuMicros(serverPid);
  const result = await fire(spec, spec.seconds);
  const cpuAfter = cpuMicros(serverPid);
  const mem = memory(serverPid);
  const answered = result['2xx'] + result.non2xx;
  const out: LoadResult = {
    name: spec.name,
    requests: answered,
    sent: answered + (warm ? warm['2xx'] + warm.non2xx : 0),
    rps: answered / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerRequest: answered > 0 ? (cpuAfter - cpuBefore) / answered : NaN,
    peakRss: mem.peakRss,
    rss: mem.rss,
    non2xx: result.non2xx + (warm?.non2xx ?? 0),
    errors: result.errors + (warm?.errors ?? 0),
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)])),
  };
  return out;
}

/**
 * Sends `amount` more requests (bounded by `maxSeconds`), for a check that needs a request count
 * (RSS after 100,000 requests) rather than a duration. Returns how many were answered.
 */
export async function sendAmount(spec: Omit<LoadSpec, 'seconds' | 'warmupSeconds'>, amount: number, maxSeconds: number): Promise<{ answered: number; non2xx: number; errors: number }> {
  const instance = autocannon({ url: spec.url, connections: spec.connections, amount, timeout: 10, headers: spec.headers, requests: spec.requests });
  const timer = setTimeout(() => instance.stop?.(), maxSeconds * 1000);
  try {
    const result = await instance;
    return { answered: result['2xx'] + result.non2xx, non2xx: result.non2xx, errors: result.errors };
  } finally {
    clearTimeout(timer);
  }
}
