/**
 * The one error handler: every failure (our `ApiError`, the body parser's, the validator's, a
 * store that is down, a bug) leaves as the `Error` envelope with its documented status and the
 * request id, never as Express's HTML page or a stack trace. Unexpected errors are logged.
 *
 * @module server/http/error-handler
 */
import type { NextFunction, Request, Response } from 'express';
import { error as ValidatorErrors } from 'express-openapi-validator';
import type { Locals } from '../context.ts';
import { ERROR_DETAILS_MAX, ERROR_TEXT_MAX } from '../../spec/limits.ts';
import { ApiError, docsUrl, noSuchRoute } from '../errors.ts';
import { newId } from '../ids.ts';
import { isUnavailable } from '../infra/unavailable.ts';
import { isProtocolRequest, OAuthError } from '../oauth/errors.ts';
import { REQUEST_ID_HEADER } from './request-id.ts';

export type Logger = (message: string, fields: Record<string, unknown>) => void;

export const consoleLogger: Logger = (message, fields) => console.error(JSON.stringify({ level: 'error', message, ...fields }));

/** Errors the body parser (`express.json()`) raises, by its `type`. */
function fromBodyParser(err: { type?: string; message?: string; charset?: string }): ApiError | null {
  switch (err.type) {
    case 'entity.parse.failed':
      return new ApiError('INVALID_JSON', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is larger than 1 MB.');
    case 'charset.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset "${err.charset ?? ''}": send UTF-8 JSON.`);
    case 'encoding.unsupported':
      return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Encoding: send the body uncompressed.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError('INVALID_REQUEST', 'The request body was cut short.');
    default:
      return null;
  }
}

/** The validator's request errors. Its 500 (an invalid response) stays unexpected: it is our bug. */
function fromValidator(err: unknown, req?: Request): ApiError | null {
  if (err instanceof ValidatorErrors.BadRequest) {
    const details = (err.errors ?? []).map((e) => ({ path: e.path, message: e.message }));
    const summary = details.map((d) => `${d.path} ${d.message}`).join('; ');
    return new ApiError('INVALID_REQUEST', summary ? `The request is invalid: ${summary}.` : 'The request is invalid.', { details });
  }
  if (err instanceof ValidatorErrors.NotFound) return noSuchRoute();
  if (err instanceof ValidatorErrors.MethodNotAllowed) {
    const allow = err.headers?.Allow;
    return new ApiError('METHOD_NOT_ALLOWED', 'This route does not support that method.', allow ? { headers: { Allow: allow } } : {});
  }
  if (err instanceof ValidatorErrors.UnsupportedMediaType) {
    // No Content-Type left after `contentType` means no body at all: for an operation whose body
    // is required that is a missing field, not a wrong media type.
    if (req && req.headers['content-type'] === undefined) {
      return new ApiError('INVALID_REQUEST', 'This operation needs a JSON body (Content-Type: application/json).', {
        details: [{ path: '/body', message: 'is required' }],
      });
    }
    return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be application/json.');
  }
  if (err instanceof ValidatorErrors.RequestEntityTooLarge) return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  return null;
}

export function toApiError(err: unknown, req?: Request): ApiError | null {
  if (err instanceof ApiError) return err;
  const parsed = err && typeof err === 'object' ? fromBodyParser(err as { type?: string }) ?? fromValidator(err, req) : null;
  if (parsed) return parsed;
  // Libraries that wrap errors (better-auth) keep the driver's error as `cause`.
  if (isUnavailable(err) || isUnavailable((err as { cause?: unknown } | null)?.cause)) return new ApiError('SERVICE_UNAVAILABLE', 'A storage service is unreachable; retry shortly.', { headers: { 'Retry-After': '1' } });
  return null;
}

/** Whether the matched operation documents `status` (no operation matched: nothing to check). */
function documented(req: Request, status: number): boolean {
  const responses = (req as Request & { openapi?: { schema?: { responses?: Record<string, unknown> } } }).openapi?.schema?.responses;
  if (!responses) return true;
  return String(status) in responses || `${String(status)[0]}XX` in responses || 'default' in responses;
}

export interface ErrorHandlerOptions {
  log?: Logger;
  /**
   * Turn an error status the operation does not document into a 500, so tests (which run with
   * response validation) fail loudly on a gap between the server and the document. Off in
   * production, where the client is better served by the real status.
   */
  strict?: boolean;
}

/**
 * A protocol error of the OAuth endpoints in RFC 6749's shape: their own, and a request the
 * validator or body parser refused there (`invalid_request`). Anything else keeps the envelope.
 */
function toOAuthError(err: unknown, req: Request): OAuthError | null {
  if (err instanceof OAuthError) return err;
  if (!isProtocolRequest(req)) return null;
  const apiError = toApiError(err, req);
  if (apiError && apiError.status === 400) return new OAuthError('invalid_request', apiError.message);
  return null;
}

export function errorHandler({ log = consoleLogger, strict = false }: ErrorHandlerOptions = {}) {
  return (err: unknown, req: Request, res: Response<unknown, Locals>, _next: NextFunction): void => {
    const requestId = res.locals.requestId ?? newId('req');
    const oauth = toOAuthError(err, req);
    if (oauth && !res.headersSent) {
      res.setHeader(REQUEST_ID_HEADER, requestId);
      res.status(oauth.status).json({ error: oauth.error, error_description: oauth.description });
      return;
    }
    let apiError = toApiError(err, req);
    if (!apiError) {
      log('unexpected error', {
        request_id: requestId,
        method: req.method,
        path: req.path,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      apiError = internal();
    } else if (apiError.code === 'SERVICE_UNAVAILABLE') {
      log('service unavailable', { request_id: requestId, error: err instanceof Error ? err.message : String(err) });
    }
    if (res.headersSent) {
      // A stream (SSE) that already started cannot change its status: end it.
      res.end();
      return;
    }
    let send: 'json' | 'raw' = 'json';
    if (!documented(req, apiError.status)) {
      log('error status not documented for this operation', { request_id: requestId, method: req.method, path: req.path, status: apiError.status, code: apiError.code });
      if (strict) apiError = internal();
      // The response validator would reject it; the client still deserves the real answer.
      else send = 'raw';
    }
    res.setHeader(REQUEST_ID_HEADER, requestId);
    for (const [name, value] of Object.entries(apiError.headers ?? {})) res.setHeader(name, value);
    const { code } = apiError;
    const message = cut(apiError.message);
    const details = apiError.details?.slice(0, ERROR_DETAILS_MAX).map((d) => ({ path: cut(d.path), message: cut(d.message) }));
    const body = { error: { code, message, docs: docsUrl(code), request_id: requestId, ...(details?.length ? { details } : {}) } };
    res.status(apiError.status);
    if (send === 'json') res.json(body);
    else res.type('application/json').send(JSON.stringify(body));
  };
}

/** The document bounds the envelope's texts: a message quoting a long key or pattern is cut, not refused. */
function cut(text: string): string {
  if (text.length <= ERROR_TEXT_MAX) return text;
  const chars = [...text]; // code points, as the document's maxLength counts them
  return chars.length > ERROR_TEXT_MAX ? `${chars.slice(0, ERROR_TEXT_MAX - 1).join('')}…` : text;
}

const internal = () => new ApiError('INTERNAL_ERROR', 'Something went wrong on our side. Quote the request id if you report it.');
