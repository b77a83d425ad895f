/**
 * The client: one method per row of the generated operation table, each mapping its positional
 * arguments onto the request as the row says, with the call's options as the last argument.
 * Nothing here names an endpoint; the generated subclass supplies the table and the types.
 *
 * @module saasignal/runtime/client
 */
import { APIPromise, PagePromise, type WithResponse } from './api-promise.ts';
import { SaaSignalError } from './errors.ts';
import { idempotencyKey } from './idempotency.ts';
import { type Logger, resolveLogger } from './log.ts';
import {
  type ApiDefinition, type ClientOptions, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS, type OperationSpec, type RequestOptions,
} from './options.ts';
import { type Prepared, type Settings, send } from './request.ts';
import { subscribe } from './subscribe.ts';
import { buildUrl, pathParam } from './url.ts';

/** An environment variable where there is an environment (Node, Deno with permission, Bun); none in browsers. */
export function env(name: string): string | undefined {
  try {
    return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  } catch {
    return undefined;
  }
}

function invalid(api: ApiDefinition) {
  const Cls = api.errors[400] ?? SaaSignalError;
  return (message: string) => new Cls(400, 'INVALID_REQUEST', message, null);
}

/** Fills path, query and body from the positional arguments, as the operation's `args` say. */
function prepare(api: ApiDefinition, op: OperationSpec, args: unknown[], base: string, extraQuery?: Record<string, string>) {
  const path: Record<string, string> = {};
  let query: Record<string, unknown> | undefined;
  let body: Record<string, unknown> | undefined;
  const bad = invalid(api);
  op.args.forEach((spec, i) => {
    const arg = args[i];
    if (spec === 'body') body = { ...(arg as object), ...body };
    else if (spec === 'query') query = { ...(arg as object), ...query };
    else if (spec === 'path+body') {
      const rest: Record<string, unknown> = { ...(arg as object) };
      for (const p of op.pathParams) {
        path[p] = pathParam(p, rest[p], bad);
        delete rest[p];
      }
      body = { ...rest, ...body };
    } else {
      const [where, name] = spec.split(':');
      if (where === 'path') path[name] = pathParam(name, arg, bad);
      else if (where === 'query') (query ??= {})[name] = arg;
      else if (arg !== undefined) (body ??= {})[name] = arg;
    }
  });
  if (op.body && op.method !== 'DELETE' && body === undefined) body = {};
  return { url: buildUrl(base, op.path, path, { ...query, ...extraQuery }), body };
}

interface Resolved {
  key?: string;
  options: ClientOptions;
  baseUrl: string;
  fetch: typeof fetch;
  log?: Logger;
}

/**
 * The credential `createClient()` uses when given none, from the environment, first set wins:
 * `SAASIGNAL_API_KEY`, then `SAASIGNAL_KEY` (the name the quick start stores the key under),
 * then `SAASIGNAL_TOKEN` (a session token).
 */
export const CREDENTIAL_ENV = ['SAASIGNAL_API_KEY', 'SAASIGNAL_KEY', 'SAASIGNAL_TOKEN'] as const;

/** The credential from the environment and the variable it came from (the CLI names it in `auth status`). */
export function credentialFromEnv(): { name: (typeof CREDENTIAL_ENV)[number]; value: string } | undefined {
  for (const name of CREDENTIAL_ENV) {
    const value = env(name);
    if (value) return { name, value };
  }
  return undefined;
}

function resolve(api: ApiDefinition, key: string | undefined, options: ClientOptions): Resolved {
  return {
    key: key ?? credentialFromEnv()?.value,
    options,
    baseUrl: options.baseUrl ?? env('SAASIGNAL_BASE_URL') ?? api.baseUrl,
    // Looked up at call time, so that a fetch installed later (polyfill, test) is used.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    log: resolveLogger(options.logLevel, options.logger, env),
  };
}

/** Runs one call of `op`. */
export function call(api: ApiDefinition, c: Resolved, op: OperationSpec, args: unknown[], extraQuery?: Record<string, string>): APIPromise<unknown> {
  const opts = (args[op.args.length] ?? {}) as RequestOptions;
  const answer = (async (): Promise<WithResponse<unknown>> => {
    const { url, body } = prepare(api, op, args, c.baseUrl, extraQuery);
    const req: Prepared = { method: op.method, url, headers: headersFor(c, op, opts, body !== undefined, false), body: body === undefined ? undefined : JSON.stringify(body) };
    const { data, response } = await send(req, settings(api, c, opts));
    return { data, response };
  })();
  if (!op.page) return new APIPromise(answer);
  const page = op.page;
  const next = (cursor: string): PagePromise<unknown, unknown> =>
    call(api, c, op, args, { ...extraQuery, [page.cursor]: cursor }) as PagePromise<unknown, unknown>;
  return new PagePromise(answer, page, next);
}

function settings(api: ApiDefinition, c: Resolved, opts: RequestOptions): Settings {
  return {
    fetch: c.fetch,
    timeout: opts.timeout ?? c.options.timeout ?? DEFAULT_TIMEOUT_MS,
    maxRetries: opts.maxRetries ?? c.options.maxRetries ?? DEFAULT_MAX_RETRIES,
    signal: opts.signal,
    log: c.log,
    errors: api.errors,
  };
}

function headersFor(c: Resolved, op: OperationSpec, opts: RequestOptions, hasBody: boolean, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = { Accept: stream ? 'text/event-stream' : 'application/json' };
  if (hasBody) headers['Content-Type'] = 'application/json';
  if (c.key) headers.Authorization = `Bearer ${c.key}`;
  Object.assign(headers, c.options.headers, opts.headers);
  // One key per call, made before the first attempt: every retry carries the same one. Only where
  // the document declares the header: a key the server ignores would make a retry unsafe.
  if (op.idempotent && opts.idempotencyKey !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'idempotency-key')) {
    headers['Idempotency-Key'] = opts.idempotencyKey ?? idempotencyKey();
  }
  return headers;
}

/** Options of a subscription: a call's options and where to resume. */
export interface SubscribeOptions extends RequestOptions {
  /** Resume after this event id (the server replays what followed it, within its replay window). */
  lastEventId?: string;
}

function stream(api: ApiDefinition, c: Resolved, op: OperationSpec, args: unknown[]): AsyncGenerator<unknown> {
  const opts = (args[op.args.length] ?? {}) as SubscribeOptions;
  const { url } = prepare(api, op, args, c.baseUrl);
  return subscribe({ method: op.method, url, headers: headersFor(c, op, opts, false, true) }, settings(api, c, opts), opts.lastEventId);
}

/**
 * The base of the generated `SaaSignalClient`: builds its methods from the operation table.
 * Without a key it reads `SAASIGNAL_API_KEY`, then `SAASIGNAL_KEY`, then `SAASIGNAL_TOKEN`.
 */
export class BaseClient {
  readonly #key: string | undefined;
  readonly #options: ClientOptions;

  constructor(api: ApiDefinition, key?: string, options: ClientOptions = {}) {
    this.#key = key;
    this.#options = options;
    const c = resolve(api, key, options);
    for (const [name, op] of Object.entries(api.operations)) {
      const parts = name.split('.');
      let node = this as unknown as Record<string, Record<string, unknown>>;
      for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, Record<string, unknown>>;
      node[parts[parts.length - 1]] = (op.stream
        ? (...args: unknown[]) => stream(api, c, op, args)
        : (...args: unknown[]) => call(api, c, op, args)) as never;
    }
  }

  /** A copy of this client with some options changed (headers are merged). */
  withOptions(options: ClientOptions): this {
    const Ctor = this.constructor as new (key?: string, options?: ClientOptions) => this;
    return new Ctor(this.#key, { ...this.#options, ...options, headers: { ...this.#options.headers, ...options.headers } });
  }
}

/** One call with a given credential, outside any client (for static helpers such as `createBrowserToken`). */
export function callOnce(api: ApiDefinition, name: string, key: string, options: ClientOptions, args: unknown[]): APIPromise<unknown> {
  return call(api, resolve(api, key, options), api.operations[name], args);
}
