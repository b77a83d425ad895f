/**
 * Unloaded latency: requests one after another on a single keep-alive connection, each timed with
 * the monotonic clock (autocannon's histogram counts whole milliseconds, too coarse for a lookup
 * that takes a fraction of one). Bounded by a count and by a time limit, whichever comes first.
 *
 * @module scripts/bench/latency
 */
import { Agent, request } from 'node:http';

export interface LatencySpec {
  url: string;
  headers: Record<string, string>;
  /** The path of the i-th request. */
  path(i: number): string;
  count: number;
  maxSeconds: number;
  /** Requests sent first and not counted. */
  warmup?: number;
}

export interface LatencyResult {
  requests: number;
  /** Milliseconds. */
  mean: number;
  p50: number;
  p99: number;
}

function once(agent: Agent, url: URL, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ agent, host: url.hostname, port: url.port, path, headers, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Milliseconds of each measured request, in the order sent. */
export async function timeRequests(spec: LatencySpec): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(spec.url);
  try {
    for (let i = 0; i < (spec.warmup ?? 0); i++) await once(agent, url, spec.path(i), spec.headers);
    const times: number[] = [];
    const deadline = performance.now() + spec.maxSeconds * 1000;
    for (let i = 0; i < spec.count && performance.now() < deadline; i++) times.push(await once(agent, url, spec.path(i), spec.headers));
    return times;
  } finally {
    agent.destroy();
  }
}

export function summarize(times: number[]): LatencyResult {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { requests: sorted.length, mean: sorted.reduce((sum, t) => sum + t, 0) / sorted.length, p50: at(0.5), p99: at(0.99) };
}
