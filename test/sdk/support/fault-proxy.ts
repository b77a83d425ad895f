/**
 * A fault-injecting HTTP proxy on a loopback port in front of a real server. For each request a
 * test's plan decides what happens: pass it on, drop the connection before the server sees it,
 * let the server apply it and lose the answer on the way back, answer in the server's place
 * (503, 429 + Retry-After), or cut an event stream after some time.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export type Fault =
  | 'pass'
  /** Close the connection before the request reaches the server. */
  | 'drop'
  /** Forward it, read the whole answer, then close the connection without sending it. */
  | 'lose-answer'
  /** Answer in the server's place. */
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Forward an event stream, and cut the connection after `ms`. */
  | { cutAfterMs: number };

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  at: number;
  fault: Fault;
}

export interface FaultProxy {
  url: string;
  seen: Seen[];
  /** Cuts every open connection (an event stream dropped on the way). */
  cutAll(): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, plan: (req: IncomingMessage, n: number) => Fault): Promise<FaultProxy> {
  const upstream = new URL(target);
  const seen: Seen[] = [];
  const open = new Set<ServerResponse>();
  const forward = (req: IncomingMessage, onAnswer: (res: IncomingMessage) => void, onError: () => void) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      onAnswer,
    );
    out.on('error', onError);
    req.pipe(out);
    return out;
  };
  const server: Server = createServer((req, res) => {
    const fault = plan(req, seen.length);
    seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, at: Date.now(), fault });
    open.add(res);
    res.on('close', () => open.delete(res));
    if (fault === 'drop') {
      req.socket.destroy();
      return;
    }
    if (typeof fault === 'object' && 'status' in fault) {
      req.resume();
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(JSON.stringify(fault.body ?? {}));
      return;
    }
    const out = forward(
      req,
      (answer) => {
        if (fault === 'lose-answer') {
          // The server has applied the request and answered: the answer never arrives.
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        if (typeof fault === 'object' && 'cutAfterMs' in fault) {
          setTimeout(() => {
            answer.destroy();
            req.socket.destroy();
          }, fault.cutAfterMs);
        }
      },
      () => req.socket.destroy(),
    );
    // The client's side closed (or was cut): the server's side goes too, as it would behind a real proxy.
    res.on('close', () => out.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    seen,
    cutAll: () => {
      for (const res of open) res.socket?.destroy();
    },
    close: async () => {
      for (const res of open) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
