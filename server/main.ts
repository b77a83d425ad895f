/**
 * `npm start`: the API on `PORT` (default 3000), data in `./data/saasignal.db` unless
 * `DATABASE_URL` names another file or a PostgreSQL database, Redis when `REDIS_URL` is set (its keys
 * under `REDIS_KEY_PREFIX`, default `ss:` for data and `saasignal:rl:` for rate-limit counters);
 * `TRUST_PROXY` when it runs behind a load balancer.
 * It answers as soon as the database is open; better-auth is loaded and the docs site built (when
 * missing or stale) in the background, and so is the Dashboard (served at `/`). SIGTERM/SIGINT stop it gracefully: no new connections, open event streams ended,
 * in-flight requests finished, storage closed.
 * A setting it cannot start with (database missing, unreachable or unwritable, a port in use, a
 * SQLite database another server holds) is reported in one line, and the exit status is 1.
 *
 * @module server/main
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { createApp } from './app.ts';
import { databaseUrl } from './db/index.ts';
import { parseDatabaseUrl } from './db/url.ts';
import { staleGeneratedWarning } from '../lib/spec-hash.ts';
import { startupWarnings } from './startup-warnings.ts';
import { dashboardDir, ensureDashboard } from '../dashboard/index.ts';
import { docsDir, ensureDocs } from '../docs-site/index.ts';
import { createLogger } from './log.ts';
import { type DataLock, lockDatabase } from './startup/data-lock.ts';
import { exitWith, maskUrl, SetupError } from './startup/setup-error.ts';
import { speedUpValidatorStartup } from './startup/validator-startup.ts';

/** Reports why the server cannot start, in one line for a setting to fix, and exits 1. */
function cannotStart(err: unknown): never {
  exitWith('start', err);
}

const logger = (() => {
  try {
    return createLogger();
  } catch (err) {
    cannotStart(err);
  }
})();
const log = (level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown> = {}) => logger[level](fields, message);

for (const warning of startupWarnings()) log('warn', warning);
// In development: the contract served is generated/, which an edit of spec/ does not change.
if (process.env.NODE_ENV !== 'production') {
  const stale = staleGeneratedWarning();
  if (stale) log('warn', stale);
}

/** Longest wait for in-flight requests on shutdown before exiting anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

const portSetting = process.env.PORT || '3000';
const port = Number(portSetting);
if (!/^\d+$/.test(portSetting) || port > 65535) cannotStart(new SetupError(`PORT=${portSetting} is not a port number: use 1-65535 (0 picks a free one)`));

// One server per SQLite database (see startup/data-lock.ts); taken before migrating it.
let dataLock: DataLock | undefined;
const created = await (async () => {
  const url = databaseUrl();
  const target = parseDatabaseUrl(url);
  if (target.kind === 'sqlite' && target.file !== ':memory:') dataLock = await lockDatabase(target.file, url);
  // Several deployments (or test runs) can share one Redis, each under its own key prefix.
  const redisPrefix = process.env.REDIS_KEY_PREFIX || undefined;
  // The validator prepares the document before the first answer: without its two quadratic or
  // wasted steps (~0.35 s of CPU on Node 20).
  speedUpValidatorStartup();
  return createApp({
    dbUrl: url,
    redisUrl: process.env.REDIS_URL || undefined,
    infra: redisPrefix ? { redisKeyPrefix: redisPrefix } : undefined,
    rateLimit: redisPrefix ? { redisPrefix: `${redisPrefix}rl:` } : undefined,
    docsDir,
    dashboardDir,
    log: (message, fields) => logger.error(fields, message),
    requestLogger: logger,
  });
})().catch(cannotStart);
const { app, db, warmUp } = created;
// Redis unreachable at start is not fatal (requests that need it answer 503 until it is back,
// and the server reconnects by itself), but it is said once, in one line.
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  const { checks } = await created.readiness();
  if (checks.redis === 'unavailable') {
    log('warn', `Redis at ${maskUrl(redisUrl)} (REDIS_URL) is unreachable: KV, channels and rate-limited routes answer 503 until it is back; is it running, and is REDIS_URL right?`);
  }
}
const close = async () => {
  await created.close();
  dataLock?.release();
};
// Behind a load balancer every request comes from its address: per-IP limits (sign-up, sign-in)
// would be one budget for everybody. TRUST_PROXY names the proxies whose X-Forwarded-For to
// believe, as Express's `trust proxy` takes it: a hop count, `loopback`, addresses or subnets.
const trustProxy = process.env.TRUST_PROXY;
if (trustProxy) app.set('trust proxy', /^\d+$/.test(trustProxy) ? Number(trustProxy) : trustProxy === 'true' ? true : trustProxy);

// Not `app.listen(port, callback)`: Express 5 calls that callback on a failed listen too, and
// "listening" was logged before EADDRINUSE.
const server = createServer(app);
server.once('listening', () => {
  const bound = (server.address() as { port: number }).port;
  log('info', 'listening', { port: bound, dashboard: `http://localhost:${bound}/`, docs: `http://localhost:${bound}/docs`, node: process.version, database: db.driver ?? db.dialect });
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
server.once('error', async (err: NodeJS.ErrnoException) => {
  await close().catch(() => undefined);
  if (err.code === 'EADDRINUSE') {
    cannotStart(new SetupError(`port ${port} is already in use (PORT=${portSetting}): stop what listens there, or choose another port, e.g. PORT=${port === 65535 ? 3000 : port + 1}`));
  }
  if (err.code === 'EACCES') {
    cannotStart(new SetupError(`no permission to listen on port ${port} (PORT=${portSetting}): ports below 1024 need privileges; choose e.g. PORT=3000`));
  }
  cannotStart(err);
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
server.listen(port);
