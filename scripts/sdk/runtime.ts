/**
 * The SDK's runtime, copied verbatim into generated/sdk.ts by scripts/generate.ts, below the
 * operation table and the typed surface that the generator derives from the document.
 * Everything endpoint-specific comes from `OPERATIONS`; nothing here names an endpoint.
 *
 * This file compiles on its own (the declarations below stand in for the generated parts).
 */
// ---- runtime:start
import createFetchClient, { type Client } from 'openapi-fetch';

/** One positional argument: which part of the request it fills. */
type ArgSpec = string;
interface OperationSpec {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  args: readonly ArgSpec[];
  pathParams: readonly string[];
  /** The operation takes a JSON body (sent as `{}` when every field is optional and none is given). */
  body?: boolean;
  stream?: boolean;
}

/** Options of `createClient`. */
export interface ClientOptions {
  /** Defaults to `SAASIGNAL_BASE_URL`, then the document's first server. */
  baseUrl?: string;
  /** A `fetch` implementation (tests inject one; defaults to the global). */
  fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
}

/** Any failure the API answered with: status, error code and request id from the envelope. */
export class SaaSignalError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly body: unknown;
  constructor(status: number, code: string, message: string, requestId: string | null, body?: unknown) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.body = body;
  }
}

function env(name: string): string | undefined {
  return typeof process !== 'undefined' ? process.env?.[name] : undefined;
}

function toError(status: number, body: unknown, headers: Headers | undefined): SaaSignalError {
  const err = (body as { error?: { code?: string; message?: string; request_id?: string } } | undefined)?.error;
  const Cls = ERROR_CLASSES[status] ?? SaaSignalError;
  return new Cls(
    status,
    err?.code ?? 'HTTP_' + status,
    err?.message ?? `HTTP ${status}`,
    err?.request_id ?? headers?.get('x-request-id') ?? null,
    body,
  );
}

/** Parses a `text/event-stream` body into events. */
async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ChannelEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const ev: Record<string, string> = {};
        for (const line of block.split('\n')) {
          if (!line || line.startsWith(':')) continue;
          const i = line.indexOf(':');
          const field = i < 0 ? line : line.slice(0, i);
          ev[field] = (ev[field] ? ev[field] + '\n' : '') + (i < 0 ? '' : line.slice(i + 1).replace(/^ /, ''));
        }
        if (ev.data !== undefined) {
          const parsed = JSON.parse(ev.data);
          yield { id: ev.id ?? '', event: ev.event ?? 'message', data: parsed?.data, published_at: parsed?.published_at };
        }
      }
    }
  } finally {
    reader.releaseLock();
  }
}

/** An event received from a channel subscription. */
export interface ChannelEvent {
  id: string;
  event: string;
  data: unknown;
  published_at: string;
}

function checkPathParam(name: string, value: unknown): string {
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s !== 'string' || s === '') {
    throw new BadRequestError(400, 'INVALID_REQUEST', `${name} is required`, null);
  }
  // fetch and browsers rewrite `.` and `..` path segments: the request would reach another route.
  if (s === '.' || s === '..') {
    throw new BadRequestError(400, 'INVALID_REQUEST', `${name} cannot be "${s}": HTTP clients cannot address it`, null);
  }
  return s;
}

function invoke(fc: Client<any>, op: OperationSpec, args: unknown[], signal?: AbortSignal) {
  const path: Record<string, string> = {};
  let query: Record<string, unknown> | undefined;
  let body: Record<string, unknown> | undefined;
  op.args.forEach((spec, i) => {
    const arg = args[i];
    if (spec === 'body') body = { ...(arg as object), ...body };
    else if (spec === 'query') query = { ...(arg as object), ...query };
    else if (spec === 'path+body') {
      const rest: Record<string, unknown> = { ...(arg as object) };
      for (const p of op.pathParams) {
        path[p] = checkPathParam(p, rest[p]);
        delete rest[p];
      }
      body = { ...rest, ...body };
    } else {
      const [where, name] = spec.split(':');
      if (where === 'path') path[name] = checkPathParam(name, arg);
      else if (where === 'query') (query ??= {})[name] = arg;
      else if (arg !== undefined) (body ??= {})[name] = arg;
    }
  });
  if (op.body && op.method !== 'DELETE' && body === undefined) body = {};
  return fc.request(op.method as any, op.path as any, {
    params: { path, query },
    body,
    signal,
    parseAs: op.stream ? 'stream' : 'json',
  } as any);
}

async function call(fc: Client<any>, op: OperationSpec, args: unknown[]): Promise<unknown> {
  const { data, error, response } = await invoke(fc, op, args);
  if (!response.ok) throw toError(response.status, error, response.headers);
  return data;
}

async function* subscribe(fc: Client<any>, op: OperationSpec, args: unknown[]): AsyncGenerator<ChannelEvent> {
  const opts = (args[op.args.length] ?? {}) as { signal?: AbortSignal };
  const { data, error, response } = await invoke(fc, op, args, opts.signal);
  if (!response.ok) throw toError(response.status, error, response.headers);
  yield* readEvents(data as ReadableStream<Uint8Array>);
}

function build(fc: Client<any>): Record<string, any> {
  const root: Record<string, any> = {};
  for (const [name, op] of Object.entries(OPERATIONS) as [string, OperationSpec][]) {
    const parts = name.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) node = node[p] ??= {};
    node[parts[parts.length - 1]] = op.stream
      ? (...args: unknown[]) => subscribe(fc, op, args)
      : (...args: unknown[]) => call(fc, op, args);
  }
  return root;
}

function fetchClient(key: string | undefined, options: ClientOptions): Client<any> {
  const headers: Record<string, string> = { ...options.headers };
  if (key) headers.Authorization = `Bearer ${key}`;
  return createFetchClient<any>({
    baseUrl: options.baseUrl ?? env('SAASIGNAL_BASE_URL') ?? DEFAULT_BASE_URL,
    fetch: options.fetch,
    headers,
  });
}

/**
 * The credential `createClient()` uses when given none, from the environment, first set wins:
 * `SAASIGNAL_API_KEY`, then `SAASIGNAL_KEY` (the name the quick start stores the key under),
 * then `SAASIGNAL_TOKEN` (a session token).
 */
const CREDENTIAL_ENV = ['SAASIGNAL_API_KEY', 'SAASIGNAL_KEY', 'SAASIGNAL_TOKEN'] as const;

const credentialFromEnv = (): string | undefined => CREDENTIAL_ENV.map(env).find((value) => value);

/**
 * The client. `createClient(key)` builds one; without a key it reads `SAASIGNAL_API_KEY`, then
 * `SAASIGNAL_KEY`, then `SAASIGNAL_TOKEN`, from the environment.
 */
export class SaaSignalClient {
  constructor(key?: string, options: ClientOptions = {}) {
    Object.assign(this, build(fetchClient(key ?? credentialFromEnv(), options)));
  }
}

/** Creates a client authenticated with `key` (an API token, browser token or session token). */
export function createClient(key?: string, options?: ClientOptions): SaaSignalClient {
  return new SaaSignalClient(key, options);
}
// ---- runtime:end

// Stand-ins for the generated parts, so that this file type-checks on its own.
declare const OPERATIONS: Record<string, OperationSpec>;
declare const DEFAULT_BASE_URL: string;
declare const ERROR_CLASSES: Record<number, typeof SaaSignalError>;
declare class BadRequestError extends SaaSignalError {}
