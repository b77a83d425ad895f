/**
 * The Express app factory. Every request goes through the same pipeline:
 *
 *   request id -> security headers (helmet) -> well-formed URL -> CORS -> Content-Type normalised -> JSON body
 *   (1 MB, ≤ 512 levels deep, well-formed Unicode) -> OpenAPI validation
 *   -> per operation: Cache-Control: no-store -> CSRF (cookie sessions) -> invalid-credential limit per IP
 *      -> authentication -> rate limit -> authorization -> request checks -> idempotency key / stream admission
 *      -> metering -> handler
 *   -> one error handler (the `Error` envelope, always with `X-Request-Id`).
 *
 * Routes are not written by hand: each operation of the document runs with the handler of the same
 * operationId (through http/operation-router.ts, from the operation the validator matched), and a
 * missing handler stops the app from starting.
 *
 * The KV get, set and delete run this same pipeline, the same middleware instances, without
 * Express's request handling around them (http/lane.ts): they carry most of the traffic, and
 * Express's share of their cost was most of it (issue 16).
 *
 * @module server/app
 */
import type { IncomingMessage, RequestListener } from 'node:http';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { authorize } from './auth/authorize.ts';
import type { Auth } from './auth/better-auth.ts';
import { emailVerificationRequired } from './auth/email-verification.ts';
import { browserTokens } from './auth/browser-tokens.ts';
import { identify, verifiedCredentials } from './auth/identify.ts';
import { type PasswordHashingOptions, passwordHashing } from './auth/password-hashing.ts';
import { isCommonPassword } from './auth/password-policy.ts';
import { type SignInThrottleOptions, signInThrottle } from './auth/sign-in-throttle.ts';
import { sharedSecret } from './auth/secrets.ts';
import { includedAllowance } from './billing/balance.ts';
import { Ledger } from './billing/ledger.ts';
import { meter } from './billing/meter.ts';
import type { Handlers } from './context.ts';
import { type Db, openDb } from './db/index.ts';
import { contentType, FORM_MEDIA_TYPE } from './http/content-type.ts';
import { cors } from './http/cors.ts';
import { csrf } from './http/csrf.ts';
import { dashboard } from './http/dashboard.ts';
import { trustedOrigins } from './http/origins.ts';
import { noStore, pageHeaders, parseCsp, securityHeaders } from './http/security-headers.ts';
import { CONTENT_SECURITY_POLICY as DOCS_CSP } from '../docs-site/html.ts';
import { limitJsonDepth } from './http/json-depth.ts';
import { parseQuery } from './http/url-encoding.ts';
import { checkRequest } from './http/request-checks.ts';
import { wellFormedBody, wellFormedUrl } from './http/well-formed.ts';
import { consoleLogger, errorHandler, type Logger } from './http/error-handler.ts';
import { createRateLimiters, type RateLimitOptions } from './http/rate-limit.ts';
import type { Logger as PinoLogger } from 'pino';
import { healthHandlers, type Readiness, readiness, sharedReadiness } from './http/health.ts';
import { requestLog } from './http/request-log.ts';
import { requestId } from './http/request-id.ts';
import { openApiValidation } from './http/openapi-validation.ts';
import { type OperationRoute, operationRouter } from './http/operation-router.ts';
import { createLane, type Lane, standInFront } from './http/lane.ts';
import { createInfra, type InfraOptions } from './infra/index.ts';
import { idempotency } from './idempotency/middleware.ts';
import { admitStreams } from './streams/guard.ts';
import { type StreamSettings, streamSettings } from './streams/settings.ts';
import { memorySlots } from './streams/slots.ts';
import { createSupervisor } from './streams/supervisor.ts';
import { createMailer, type MailerOptions, mailSettings } from './mail/mailer.ts';
import { platformHandlers } from './platform/index.ts';
import { oauthHandlers, type OAuthSettings } from './oauth/index.ts';
import { noSuchRoute } from './errors.ts';
import { document, type OperationId, type OperationInfo, operationsById } from './spec.ts';

export interface AppOptions {
  /** SQLite file (default `./data/saasignal.db`, `:memory:` in tests) or `postgres://…`. */
  dbUrl?: string;
  /** `redis://…`: KV, channels and rate-limit counters shared by every instance. */
  redisUrl?: string;
  /** Validate every JSON response against the document (tests turn it on). */
  validateResponses?: boolean;
  /** Monthly included allowance in μt (default `SAASIGNAL_INCLUDED_MICROTOKENS` or 5,000,000). */
  includedMicrotokens?: number;
  /** Browser-token signing secret (default `SAASIGNAL_JWT_SECRET`, else generated once and stored). */
  jwtSecret?: string;
  rateLimit?: Omit<RateLimitOptions, 'redis'>;
  /** Failed sign-ins per account before it is locked for the window (defaults from the environment). */
  signInThrottle?: SignInThrottleOptions;
  /** Concurrent password hashes and waiting sign-ins (defaults from the environment). */
  passwordHashing?: PasswordHashingOptions;
  /** Options passed to the infra layer (e.g. a Redis key prefix for tests). */
  infra?: Omit<InfraOptions, 'db' | 'redisUrl' | 'streams'>;
  /** OAuth lifetimes in seconds (default: spec/oauth.ts; tests shorten them). */
  oauth?: Partial<OAuthSettings>;
  /** Event stream limits (default: `SAASIGNAL_STREAM_*`, see server/streams/settings.ts). */
  streams?: Partial<StreamSettings>;
  /** Origins given credentialed CORS (default: `SAASIGNAL_TRUSTED_ORIGINS` and the server's own, see http/origins.ts). */
  trustedOrigins?: string[];
  /** The built docs site to serve at `/docs` (see docs-site/index.ts). */
  docsDir?: string;
  /** The built Dashboard to serve at `/` (see dashboard/index.ts). */
  dashboardDir?: string;
  log?: Logger;
  /** Outgoing email (default: `SMTP_URL`, `SMTP_FROM`; without SMTP, written to `log` here or to the request logger, see mail/mailer.ts). */
  mail?: Partial<MailerOptions>;
  /** Sign-in only with a verified email (default `SAASIGNAL_REQUIRE_EMAIL_VERIFICATION`). */
  requireEmailVerification?: boolean;
  /** Writes the request log (server/http/request-log.ts) through this logger; none when absent (tests). */
  requestLogger?: PinoLogger;
}

export interface App {
  /** The app: the lane first (http/lane.ts), then Express's pipeline. */
  app: Express;
  lane: Lane;
  /** Express's pipeline alone, without the lane (the side-by-side test serves both). */
  pipeline: RequestListener;
  db: Db;
  /** Loads what the first requests would otherwise wait for (better-auth). */
  warmUp(): Promise<void>;
  /** Whether the database, its migrations and Redis (when configured) are usable now. */
  readiness(): Promise<Readiness>;
  close(): Promise<void>;
}

/** Refuses to start with an operation of the document that nothing answers (rather than a 501 later). */
export function assertEveryOperationHandled(handlers: Handlers): void {
  const missing = [...operationsById.values()].filter((op) => !handlers[op.operationId]);
  if (missing.length > 0) {
    throw new Error(`No handler for ${missing.map((op) => `${op.operationId} (${op.method.toUpperCase()} ${op.path})`).join(', ')}`);
  }
}

/**
 * The operations the lane answers without Express (http/lane.ts): the KV reads, writes and deletes
 * that carry most of the traffic.
 */
const LANE_OPERATIONS: ReadonlySet<OperationId> = new Set<OperationId>(['getValue', 'setValue', 'deleteValue']);

/** The body limit: values are at most 256 KB, a batch of small ones fits comfortably. */
const BODY_LIMIT = '1mb';

export async function createApp(options: AppOptions = {}): Promise<App> {
  const db = await openDb({ url: options.dbUrl });
  const log = options.log ?? consoleLogger;
  const opened: { close(): Promise<void> }[] = [];
  try {
    const allowance = () => options.includedMicrotokens ?? includedAllowance();
    const [jwtSecret, authSecret] = await Promise.all([
      sharedSecret(db, 'browser-token-key', options.jwtSecret ?? process.env.SAASIGNAL_JWT_SECRET),
      sharedSecret(db, 'better-auth-secret', process.env.BETTER_AUTH_SECRET),
    ]);
    const requestLogger = options.requestLogger;
    const mailer = createMailer({
      ...mailSettings(),
      log: requestLogger ? (level, message, fields) => requestLogger[level](fields, message) : () => {},
      ...options.mail,
    });
    opened.push({ close: async () => mailer.close() });
    const requireEmailVerification = options.requireEmailVerification ?? emailVerificationRequired();
    // better-auth is slow to import: load it on first use, so the server answers before it is needed.
    let authLoading: Promise<Auth> | undefined;
    const auth = () =>
      (authLoading ??= import('./auth/better-auth.ts').then(({ createAuth }) =>
        createAuth({ db: db.kysely, dialect: db.dialect, secret: authSecret, log, mailer, requireEmailVerification }),
      ));
    const browser = browserTokens(jwtSecret);

    let redis: Redis | undefined;
    if (options.redisUrl) {
      const { closeRedis, connectRedis } = await import('./infra/redis-client.ts');
      const connection = await connectRedis(options.redisUrl);
      redis = connection;
      opened.push({ close: () => closeRedis(connection) });
      // Several instances: a revocation through one reaches the credentials cached by all.
      db.revocations.useRedis(connection, options.infra?.redisKeyPrefix ?? 'ss:');
    }
    // Streams are counted where every instance sees them: Redis when there is one.
    const slots = redis ? (await import('./streams/slots.ts')).redisSlots(redis, options.infra?.redisKeyPrefix) : memorySlots();
    const streams = createSupervisor({ db, slots, settings: streamSettings(options.streams), allowance, log });
    opened.push(streams);
    const infra = await createInfra({ ...options.infra, db, redisUrl: options.redisUrl, streams });
    opened.push(infra);
    const limiters = createRateLimiters({ ...options.rateLimit, redis });
    // Closed before the database (opened.reverse()): what was charged is written at shutdown.
    const ledger = new Ledger(db, { allowance, log });
    opened.push(ledger);
    const keys = idempotency(db, log);
    opened.push({ close: async () => keys.close() });

    const ready = () => readiness(db, redis);
    const handlers: Handlers = {
      ...healthHandlers(sharedReadiness(ready)),
      ...platformHandlers({
        db,
        auth,
        browser,
        deleteProjectData: infra.deleteProjectData,
        allowance,
        signInThrottle: signInThrottle(db, options.signInThrottle),
        hashing: passwordHashing(options.passwordHashing),
        mailer,
        requireEmailVerification,
      }),
      ...infra.handlers,
      ...oauthHandlers(db, options.oauth),
    };

    const app = express();
    app.disable('x-powered-by');
    // The query as the document serializes it (RFC 3986: `+` is a plus sign), see http/url-encoding.ts.
    app.set('query parser', parseQuery);
    // What every request runs first, in Express and in the lane alike (http/lane.ts).
    const before: RequestHandler[] = [
      requestId,
      ...(options.requestLogger ? [requestLog(options.requestLogger)] : []),
      securityHeaders(),
      wellFormedUrl,
      cors(options.trustedOrigins ?? trustedOrigins()),
    ] as RequestHandler[];
    app.use(before);
    app.get('/openapi.json', (_req, res) => {
      res.json(document);
    });
    // The docs page carries its policy in a <meta> too (it also opens from disk); the header adds frame-ancestors.
    if (options.docsDir) app.use('/docs', pageHeaders(parseCsp(DOCS_CSP)), express.static(options.docsDir));
    if (options.dashboardDir) app.use(dashboard(options.dashboardDir));
    // GET and HEAD bodies mean nothing here; parsing them could only produce undocumented errors.
    // (The header is normalised by `contentType` just before.)
    const jsonBody = (req: IncomingMessage) => req.method !== 'GET' && req.method !== 'HEAD' && req.headers['content-type']?.split(';')[0] === 'application/json';
    // Form bodies: the OAuth endpoints take them (RFC 6749); the validator refuses them everywhere else.
    const formBody = (req: IncomingMessage) => req.method === 'POST' && req.headers['content-type'] === FORM_MEDIA_TYPE;
    const body: RequestHandler[] = [
      contentType,
      express.json({ limit: BODY_LIMIT, type: jsonBody }),
      express.urlencoded({ limit: BODY_LIMIT, type: formBody, extended: false, parameterLimit: 100 }),
    ];
    const validation: RequestHandler[] = [
      limitJsonDepth,
      wellFormedBody,
      await openApiValidation(app, {
        // A copy: the validator annotates the document it is given.
        apiSpec: structuredClone(document),
        validateRequests: true,
        validateResponses: options.validateResponses ?? false,
        // Credentials are checked by identify/authorize, which know our token kinds.
        validateSecurity: false,
        // The document is checked by `npm run check` (Redocly); skip re-validating it on every start.
        validateApiSpec: false,
      }),
    ];
    app.use(body, validation);

    assertEveryOperationHandled(handlers);
    const forgery = csrf(trustedOrigins());
    const verified = verifiedCredentials();
    const routes: (OperationRoute & { op: OperationInfo })[] = [...operationsById.values()].map((op) => ({
      op,
      method: op.method,
      expressPath: op.expressPath,
      // The invalid-credential limit comes before identify: a refused address costs no lookup.
      // Handlers and these middlewares type `res.locals` as `Locals`; Express types it loosely.
      handlers: (op.credentials.length === 0
        ? [noStore, ...(op.rateLimited ? [limiters.invalidCredentials, limiters.perIp] : []), handlers[op.operationId]!]
        : [
            noStore,
            ...(op.credentials.includes('session') ? [forgery] : []),
            limiters.invalidCredentials,
            identify(op, { db, auth, browser, verified }),
            limiters.perCredential,
            authorize(op, db),
            checkRequest(infra.checks[op.operationId]),
            keys.middleware(op),
            admitStreams(op, streams),
            meter(op, ledger),
            handlers[op.operationId]!,
          ]) as RequestHandler[],
    }));
    app.use(operationRouter(routes));

    app.use((_req, _res, next) => next(noSuchRoute()));
    const onError = errorHandler({ log, strict: options.validateResponses ?? false });
    app.use(onError);

    const lane = createLane({
      app,
      before,
      body,
      validation,
      routes: routes.filter((route) => LANE_OPERATIONS.has(route.op.operationId)),
      errorHandler: onError as ErrorRequestHandler,
    });
    const pipeline = standInFront(app, lane);

    return {
      app,
      lane,
      pipeline,
      db,
      warmUp: async () => {
        // The common-passwords list too: the first sign-up would otherwise wait for it.
        await Promise.all([auth(), isCommonPassword('')]);
      },
      readiness: ready,
      async close() {
        // An import still in flight would outlive the database it is about to use.
        await authLoading?.catch(() => undefined);
        for (const resource of opened.reverse()) await resource.close();
        await db.close();
      },
    };
  } catch (err) {
    for (const resource of opened.reverse()) await resource.close().catch(() => {});
    await db.close();
    throw err;
  }
}
