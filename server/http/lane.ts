/**
 * The lane: the busiest operations (KV get, set and delete), run by the same middlewares as every
 * other request, on node's own request and response instead of Express's.
 *
 * Why: Express 5 re-prototypes every request and response and routes each through its layers; with
 * a dozen middlewares written for every case, V8 runs them in its slow, megamorphic paths. A KV get
 * cost 3× the CPU of a bare Express app (issue 16), while the work it must do costs half of one
 * (the profiling notes in BENCHMARKS.md). A request the lane takes skips Express's `app.handle`,
 * its router and its request/response prototypes, and runs, in Express's order:
 *
 *   the app-wide middlewares (request id, log, security headers, CORS)
 *   -> the body stage (Content-Type, JSON and form parsers, on node's request: it is the stream)
 *   -> the body checks and the OpenAPI validation (the validator's own code)
 *   -> the operation's chain (limits, authentication, authorization, metering, handler)
 *   -> the app's error handler.
 *
 * No step of the pipeline is written twice: these are the app's own middleware instances. What the
 * lane writes itself is the part of Express's request and response they use (below: `res.json`
 * with Express's ETag, `res.set`, `res.append`, `req.get`; `req.ip` is Express's own getter). It
 * only chooses the operation, by method and path prefix (the validator then matches it as it would
 * in Express), and leaves to Express what its response does not model: HEAD, conditional GETs,
 * and any other path. It decides before it runs anything. test/server/lane.test.ts sends the same requests through both and
 * compares every status, header and body; the whole suite runs with the lane in place.
 *
 * @module server/http/lane
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { noSuchRoute } from '../errors.ts';
import type { OperationInfo } from '../spec.ts';
import { runChain } from './operation-router.ts';

export interface LaneRoute {
  op: OperationInfo;
  /** The operation's chain, as the operation router runs it. */
  handlers: readonly RequestHandler[];
}

export interface LaneOptions {
  /** The Express app the lane stands in front of: its settings (`trust proxy`, `etag fn`) apply. */
  app: Express;
  /** The app-wide middlewares every request runs first (request id, log, headers, CORS). */
  before: readonly RequestHandler[];
  /** The middlewares that read the body: they run on node's request, which is the stream. */
  body: readonly RequestHandler[];
  /** The middlewares between the body and the operation (body checks, the OpenAPI validation). */
  validation: readonly RequestHandler[];
  routes: readonly LaneRoute[];
  errorHandler: ErrorRequestHandler;
}

export interface Lane {
  /** Answers the request and returns true, or returns false having done nothing (Express's turn). */
  take(req: IncomingMessage, res: ServerResponse): boolean;
  /** Requests answered by the lane since start (tests check that it did answer). */
  readonly taken: number;
}

/** A path parameter as the validator's route matches it: one segment, without the query. */
const SEGMENT = /^[^/?#]+$/;

/** Request headers that make Express's `res.send` answer 304 (the lane's response does not model freshness). */
const CONDITIONAL_HEADERS = ['if-none-match', 'if-modified-since'] as const;

interface CompiledRoute {
  op: OperationInfo;
  /** Everything the request runs, in Express's order (see the module comment). */
  chain: readonly RequestHandler[];
  /** The literal path before the one parameter, e.g. `/infra/kv/`. */
  prefix: string;
}

const requestPrototype = express.request as unknown as Record<string, unknown>;
const getter = (name: string) => {
  const descriptor = Object.getOwnPropertyDescriptor(requestPrototype, name);
  if (!descriptor?.get) throw new Error(`lane: express.request has no ${name} getter`);
  return descriptor.get;
};
/** Express's own `req.ip` (proxy-addr with the app's `trust proxy fn`) and `req.path`. */
const expressIp = getter('ip');
const expressPath = getter('path');

/**
 * The part of Express's request that the middlewares and chains use. Properties are set in one
 * order in the constructor, so every instance has one shape.
 */
class LaneRequest {
  readonly raw: IncomingMessage;
  readonly method: string;
  url: string;
  readonly originalUrl: string;
  readonly headers: IncomingMessage['headers'];
  readonly socket: Socket;
  readonly app: Express;
  readonly baseUrl = '';
  readonly route = undefined;
  params: Record<string, string> = {};
  query: Record<string, string> = Object.create(null);
  body: unknown = undefined;
  /** Set by the validation, as in Express. */
  openapi: { expressRoute: string; pathParams: Record<string, string> } | undefined = undefined;
  res: LaneResponse | undefined = undefined;
  #ip: string | undefined = undefined;

  constructor(raw: IncomingMessage, app: Express) {
    this.raw = raw;
    this.method = raw.method!;
    this.url = raw.url!;
    this.originalUrl = raw.url!;
    this.headers = raw.headers;
    this.socket = raw.socket;
    this.app = app;
  }

  get ip(): string | undefined {
    return (this.#ip ??= expressIp.call(this));
  }

  get path(): string {
    return expressPath.call(this);
  }

  get connection(): Socket {
    return this.socket;
  }

  /** As Express's `req.get`: a header by any case, `Referer` and `Referrer` alike. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    const value = lower === 'referer' || lower === 'referrer' ? (this.headers.referrer ?? this.headers.referer) : this.headers[lower];
    return value as string | undefined;
  }

  header(name: string): string | undefined {
    return this.get(name);
  }
}

/**
 * The part of Express's response that the middlewares, chains and the error handler use, over
 * node's own: each method does what Express 5's does (lib/response.js) for the answers of these
 * operations, JSON with a weak ETag.
 */
class LaneResponse {
  readonly raw: ServerResponse;
  readonly req: LaneRequest;
  readonly app: Express;
  locals: Record<string, unknown> = Object.create(null);

  constructor(raw: ServerResponse, req: LaneRequest, app: Express) {
    this.raw = raw;
    this.req = req;
    this.app = app;
  }

  get statusCode(): number {
    return this.raw.statusCode;
  }

  set statusCode(code: number) {
    this.raw.statusCode = code;
  }

  get headersSent(): boolean {
    return this.raw.headersSent;
  }

  get writableEnded(): boolean {
    return this.raw.writableEnded;
  }

  get writableFinished(): boolean {
    return this.raw.writableFinished;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.raw.setHeader(name, value);
    return this;
  }

  getHeader(name: string) {
    return this.raw.getHeader(name);
  }

  getHeaders() {
    return this.raw.getHeaders();
  }

  hasHeader(name: string): boolean {
    return this.raw.hasHeader(name);
  }

  removeHeader(name: string): void {
    this.raw.removeHeader(name);
  }

  get(name: string) {
    return this.raw.getHeader(name);
  }

  on(event: string, listener: (...args: unknown[]) => void): this {
    this.raw.on(event, listener);
    return this;
  }

  once(event: string, listener: (...args: unknown[]) => void): this {
    this.raw.once(event, listener);
    return this;
  }

  status(code: number): this {
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new RangeError(`Invalid status code: ${JSON.stringify(code)}`);
    this.raw.statusCode = code;
    return this;
  }

  /** Express's `res.set`: values as strings; a Content-Type gets its charset (only JSON is set here). */
  set(name: string, value: unknown): this {
    const text = Array.isArray(value) ? value.map(String) : String(value);
    if (name.toLowerCase() === 'content-type') {
      if (text !== 'application/json' && text !== 'application/json; charset=utf-8') throw new TypeError(`lane: unexpected Content-Type ${String(text)}`);
      this.raw.setHeader(name, 'application/json; charset=utf-8');
    } else {
      this.raw.setHeader(name, text);
    }
    return this;
  }

  header(name: string, value: unknown): this {
    return this.set(name, value);
  }

  append(name: string, value: string | string[]): this {
    const previous = this.raw.getHeader(name) as string | string[] | undefined;
    const next = previous ? (Array.isArray(previous) ? previous.concat(value) : Array.isArray(value) ? [previous, ...value] : [previous, value]) : value;
    return this.set(name, next);
  }

  type(type: string): this {
    return this.set('Content-Type', type);
  }

  json(body: unknown): this {
    if (!this.raw.getHeader('Content-Type')) this.set('Content-Type', 'application/json');
    return this.send(JSON.stringify(body));
  }

  /** Express's `res.send` of a JSON string (typed before): never fresh (no conditional header was sent), never HEAD. */
  send(text: string): this {
    if (this.raw.getHeader('Content-Type') !== 'application/json; charset=utf-8') throw new TypeError('lane: send() of an answer that is not typed JSON');
    const etagOf = this.app.get('etag fn') as ((body: Buffer, encoding?: BufferEncoding) => string | undefined) | undefined;
    const generateETag = !this.raw.getHeader('ETag') && typeof etagOf === 'function';
    const chunk = Buffer.from(text, 'utf8');
    if (!this.raw.getHeader('Transfer-Encoding')) this.raw.setHeader('Content-Length', String(chunk.length));
    if (generateETag) {
      const etag = etagOf(chunk);
      if (etag) this.raw.setHeader('ETag', etag);
    }
    this.raw.end(chunk);
    return this;
  }

  end(chunk?: string | Buffer): this {
    this.raw.end(chunk);
    return this;
  }
}

/** A middleware of the body stage, run on node's request (the stream); what it parsed is the lane request's body. */
function onStream(middleware: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const lane = req as unknown as LaneRequest;
    middleware(lane.raw as Request, res, (err?: unknown) => {
      lane.body = (lane.raw as { body?: unknown }).body;
      next(err as Error);
    });
  };
}

function compile(options: LaneOptions, { op, handlers }: LaneRoute): CompiledRoute {
  const match = /^(\/[^{}]*\/)\{\w+\}$/.exec(op.path);
  // The lane chooses an operation by its literal prefix: a path ending in its one parameter.
  if (!match || op.stream) throw new Error(`lane: ${op.operationId} (${op.method.toUpperCase()} ${op.path}) does not end in its one path parameter`);
  /** After validation, as the operation router: the validator's route must be this operation's. */
  const matched: RequestHandler = (req, _res, next) => {
    const openapi = (req as unknown as LaneRequest).openapi;
    if (openapi?.expressRoute !== op.expressPath) return next(new Error(`lane: the validator matched ${openapi?.expressRoute} for ${op.expressPath}`));
    req.params = { ...openapi.pathParams };
    next();
  };
  return {
    op,
    chain: [...options.before, ...options.body.map(onStream), ...options.validation, matched, ...handlers],
    prefix: match[1],
  };
}

/** Express's JSON settings the lane's `res.json` does not apply: refused at start, not ignored. */
const JSON_SETTINGS = ['json escape', 'json replacer', 'json spaces'] as const;

export function createLane(options: LaneOptions): Lane {
  const { app, errorHandler } = options;
  for (const setting of JSON_SETTINGS) {
    if (app.get(setting)) throw new Error(`lane: the app sets "${setting}", which the lane does not apply`);
  }
  const byMethod = new Map<string, CompiledRoute[]>();
  for (const route of options.routes) {
    const method = route.op.method.toUpperCase();
    byMethod.set(method, [...(byMethod.get(method) ?? []), compile(options, route)]);
  }

  const lane = {
    taken: 0,
    take(raw: IncomingMessage, rawRes: ServerResponse): boolean {
      const routes = byMethod.get(raw.method!);
      if (!routes) return false;
      const url = raw.url!;
      let route: CompiledRoute | undefined;
      for (const candidate of routes) {
        if (url.startsWith(candidate.prefix)) {
          route = candidate;
          break;
        }
      }
      if (!route || !SEGMENT.test(url.slice(route.prefix.length))) return false;
      for (const name of CONDITIONAL_HEADERS) if (raw.headers[name] !== undefined) return false;

      lane.taken++;
      const req = new LaneRequest(raw, app);
      const res = new LaneResponse(rawRes, req, app);
      req.res = res;
      const fail = (err: unknown) => {
        try {
          errorHandler(err, req as unknown as Request, res as unknown as Response, () => undefined);
        } catch {
          // The error handler itself failed (it never does; Express would answer a bare 500 too).
          if (!rawRes.headersSent) rawRes.statusCode = 500;
          rawRes.end();
        }
      };
      const done: NextFunction = (err?: unknown) => fail(err === undefined || err === null ? noSuchRoute() : err);
      runChain(route.chain, req as unknown as Request, res as unknown as Response, done);
      return true;
    },
  };
  return lane;
}

/**
 * Puts the lane in front of the app: every way the app is served (`app.listen`, `createServer(app)`,
 * supertest) calls `app.handle`, which now asks the lane first. Returns Express's own handling,
 * which the side-by-side test serves beside the lane.
 */
export function standInFront(app: Express, lane: Lane): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = (app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, next?: NextFunction) => void }).handle.bind(app);
  (app as unknown as { handle: typeof handle }).handle = (req, res, next) => {
    if (!lane.take(req, res)) handle(req, res, next);
  };
  return (req, res) => handle(req, res);
}
