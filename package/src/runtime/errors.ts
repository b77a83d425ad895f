/**
 * The SDK's errors. Every failure is a `SaaSignalError`: an answer of the API (one subclass per
 * documented status, generated from the document), or no answer at all (`APIConnectionError`,
 * `APITimeoutError`), so that one `catch` with `instanceof SaaSignalError` sees them all.
 *
 * @module saasignal/runtime/errors
 */

/** Any failure: status, error code and request id from the API's error envelope, and the answer's headers. */
export class SaaSignalError extends Error {
  /** The HTTP status; 0 when no answer came (connection error, timeout). */
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  /** The parsed error envelope, as the API sent it. */
  readonly body: unknown;
  /** The answer's headers (e.g. `Retry-After`, `RateLimit`); empty when no answer came. */
  readonly headers: Headers;
  constructor(status: number, code: string, message: string, requestId: string | null, body?: unknown, headers?: Headers) {
    super(message);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.body = body;
    this.headers = headers ?? new Headers();
  }
}

/** No answer: the connection failed or was cut before a complete answer arrived. */
export class APIConnectionError extends SaaSignalError {
  constructor(message = 'Connection error.', cause?: unknown, code = 'CONNECTION_ERROR') {
    super(0, code, message, null);
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/** No answer within the timeout (per client or per call; 60 s by default). */
export class APITimeoutError extends APIConnectionError {
  constructor(ms: number) {
    super(`No answer within ${ms} ms.`, undefined, 'TIMEOUT');
  }
}

type ErrorClass = new (...args: ConstructorParameters<typeof SaaSignalError>) => SaaSignalError;

/** Turns an error answer into the class the document gives its status. */
export function toError(status: number, body: unknown, headers: Headers, classes: Record<number, ErrorClass>): SaaSignalError {
  const err = (body as { error?: { code?: string; message?: string; request_id?: string } } | undefined)?.error;
  const Cls = classes[status] ?? SaaSignalError;
  return new Cls(
    status,
    err?.code ?? `HTTP_${status}`,
    err?.message ?? `HTTP ${status}`,
    err?.request_id ?? headers.get('x-request-id'),
    body,
    headers,
  );
}
