/**
 * The client's options and a call's options, and the operation table's row type that the
 * generator writes from the document.
 *
 * @module saasignal/runtime/options
 */
import type { SaaSignalError } from './errors.ts';
import type { Logger, LogLevel } from './log.ts';

/** Options of `createClient` and `withOptions`. */
export interface ClientOptions {
  /** Defaults to `SAASIGNAL_BASE_URL`, then the document's first server. */
  baseUrl?: string;
  /** A `fetch` implementation (tests inject one; defaults to the global). */
  fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Milliseconds to wait for an answer, per attempt. Default 60,000 (60 s). */
  timeout?: number;
  /** How many times a failed request that is safe to repeat is retried. Default 2. */
  maxRetries?: number;
  /** `'debug'` logs every attempt (never a secret); defaults to `SAASIGNAL_LOG`, else off. */
  logLevel?: LogLevel;
  /** Where debug lines go (default: stderr / the console). */
  logger?: Logger;
}

/** Options of one call, passed as the method's last argument. */
export interface RequestOptions {
  /** Aborts the call (and its retries, or a subscription). */
  signal?: AbortSignal;
  /** Milliseconds to wait for an answer, per attempt; overrides the client's. */
  timeout?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
  /**
   * The `Idempotency-Key` of a POST that takes one (every authenticated POST). By default a
   * random one is made once and reused across retries. `null` sends none: the POST is then never
   * retried.
   */
  idempotencyKey?: string | null;
}

/** One operation of the document, as the generator writes it into the operation table. */
export interface OperationSpec {
  method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** How each positional argument fills the request (`path:NAME`, `body`, `query`, …: see spec/registry.ts). */
  args: readonly string[];
  pathParams: readonly string[];
  /** The operation takes a JSON body (sent as `{}` when every field is optional and none is given). */
  body?: boolean;
  /** The answer is a `text/event-stream` of events. */
  stream?: boolean;
  /** The operation takes an `Idempotency-Key` header (`x-idempotent`, or the declared header). */
  idempotent?: boolean;
  /** From `x-pagination`: the cursor parameter, the next-cursor field and the items field. */
  page?: { cursor: string; next: string; items: string };
}

/** What the generated client hands the runtime: everything that comes from the document. */
export interface ApiDefinition {
  operations: Record<string, OperationSpec>;
  errors: Record<number, new (...args: ConstructorParameters<typeof SaaSignalError>) => SaaSignalError>;
  baseUrl: string;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;
