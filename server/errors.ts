/**
 * `ApiError`: the one way a handler fails. The error handler turns it into the envelope with
 * the status the document gives its code.
 *
 * @module server/errors
 */
import { baseUrl } from './http/origins.ts';
import { type ErrorCode, statusByCode } from './spec.ts';

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details?: ErrorDetail[];
  /** Extra response headers, e.g. `Retry-After`. */
  readonly headers?: Record<string, string>;
  constructor(code: ErrorCode, message: string, options: { details?: ErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.code = code;
    this.status = statusByCode[code];
    this.details = options.details;
    this.headers = options.headers;
  }
}

/** Where the docs explain a code: an absolute URL on this server, so it still works when copied out of a log. */
export function docsUrl(code: ErrorCode): string {
  return `${baseUrl()}/docs#section/Errors/${code}`;
}

/** 404 for a path no operation of the document has (the validator's, the app's last layer, the lane's). */
export const noSuchRoute = () => new ApiError('NOT_FOUND', 'No such route. See /docs for the API reference.');
