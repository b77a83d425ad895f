/**
 * Many requests at once against real server processes: a keep-alive HTTP client (node:http, one
 * agent per suite) and a pool that runs N tasks with a bounded number in flight.
 */
import { Agent, request } from 'node:http';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint: bodies are checked by the suites.
  body: any;
}

/**
 * Keep-alive sockets; an idle one is closed after 4 s, before the server's own keep-alive
 * timeout (Node's default: 5 s) could close it under a request just sent on it.
 */
export function keepAliveAgent(maxSockets = 64): Agent {
  return new Agent({ keepAlive: true, maxSockets, timeout: 4_000 });
}

/**
 * One JSON request on `agent`; the body is parsed when it is JSON. A reused keep-alive socket
 * that the server closed as the request went out (ECONNRESET before any answer) is retried on a
 * new one, as Node's documentation advises: the server had closed it idle, so it read nothing.
 */
export async function jsonRequest(agent: Agent, base: string, method: string, path: string, token: string | null, body?: unknown): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await once(agent, base, method, path, token, body);
    } catch (error) {
      const { code, reusedSocket } = error as { code?: string; reusedSocket?: boolean };
      if (code !== 'ECONNRESET' || !reusedSocket || attempt === 3) throw error;
    }
  }
}

function once(agent: Agent, base: string, method: string, path: string, token: string | null, body?: unknown): Promise<Reply> {
  const url = new URL(base + path);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method,
        path: url.pathname + url.search,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            // Left as text: the suites assert on it.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', (error) => reject(Object.assign(error, { reusedSocket: req.reusedSocket })));
    req.end(payload);
  });
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; results in index order. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
