/**
 * `npm start`: the API on `PORT` (default 3000), data in `./data/saasignal.db` unless
 * `DATABASE_URL` names another file or a PostgreSQL database, Redis when `REDIS_URL` is set (its keys
 * under `REDIS_KEY_PREFIX`, default `ss:` for data and `saasignal:rl:` for rate-limit counters);
 * `TRUST_PROXY` when it runs behind a load balancer.
 * It answers as soon as the database is open; better-auth is loaded and the docs site built (when
 * missing or stale) in the background, and so is the Dashboard (served at `/`). SIGTERM/SIGINT stop it gracefully: no new connections, open event streams ended,
 * in-flight requests finished, storage closed.
 *
 * @module server/main
 */
import type { Socket } from 'node:net';
import { createApp } from './app.ts';
import { startupWarnings } from './startup-warnings.ts';
import { dashboardDir, ensureDashboard } from '../dashboard/index.ts';
import { docsDir, ensureDocs } from '../docs-site/index.ts';

const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) =>
  (level === 'info' ? console.log : console.error)(JSON.stringify({ level, message, ...fields }));

for (const warning of startupWarnings()) log('warn', warning);

/** Longest wait for in-flight requests on shutdown before exiting anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

const port = Number(process.env.PORT ?? 3000);
// Several deployments (or test runs) can share one Redis, each under its own key prefix.
const redisPrefix = process.env.REDIS_KEY_PREFIX || undefined;
const { app, close, warmUp } = await createApp({
  redisUrl: process.env.REDIS_URL || undefined,
  infra: redisPrefix ? { redisKeyPrefix: redisPrefix } : undefined,
  rateLimit: redisPrefix ? { redisPrefix: `${redisPrefix}rl:` } : undefined,
  docsDir,
  dashboardDir,
});
// Behind a load balancer every request comes from its address: per-IP limits (sign-up, sign-in)
// would be one budget for everybody. TRUST_PROXY names the proxies whose X-Forwarded-For to
// believe, as Express's `trust proxy` takes it: a hop count, `loopback`, addresses or subnets.
const trustProxy = process.env.TRUST_PROXY;
if (trustProxy) app.set('trust proxy', /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy === 'true' ? true : trustProxy);

const server = app.listen(port, () => {
  log('info', 'listening', { port, dashboard: `http://localhost:${port}/`, docs: `http://localhost:${port}/docs` });
  // Loading continues in the background (the event loop stays responsive meanwhile), then the
  // docs site is built if it is missing or stale: a CPU-heavy child process, so it comes last.
  warmUp()
    .catch((err: unknown) => log('error', 'warm-up failed', { error: String(err) }))
    // The Dashboard first: it is what a person opening the server's address sees.
    .then(() => ensureDashboard())
    .catch((err: unknown) => log('error', 'Dashboard build failed; / is unavailable', { error: String(err) }))
    .then(() => ensureDocs())
    .catch((err: unknown) => log('error', 'docs site build failed; /docs is unavailable', { error: String(err) }));
});
server.on('error', (err) => {
  log('error', 'cannot listen', { port, error: err.message });
  process.exit(1);
});
const sockets = new Set<Socket>();
server.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
/** Requests being answered, event streams excepted (they end only when the server closes them). */
let inFlight = 0;
server.on('request', (_req, res) => {
  inFlight++;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    inFlight--;
  };
  res.on('finish', finish);
  res.on('close', finish);
  // An event stream counts until its headers go out, then no longer holds the shutdown back.
  const writeHead = res.writeHead;
  res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
    if (String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) finish();
    return writeHead.apply(this, args);
  } as typeof writeHead;
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('info', 'shutting down', { signal });
  const force = setTimeout(() => {
    log('error', 'shutdown timed out; closing remaining connections');
    for (const socket of sockets) socket.destroy();
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  force.unref();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
  // Ends the event streams (they would otherwise hold the server open), then closes storage.
  await close();
  // The streams' connections are idle now; without this they linger until keep-alive times out.
  server.closeAllConnections();
  await closed;
  log('info', 'stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
