/**
 * Bounds the `Content-Type` values that reach the body parser and the validator. The validator
 * caches a compiled validator per distinct header value, so every new value a client invents
 * (`application/json; x=<n>`, `text/x-<n>`, `charset=utf-8-<n>`…) would grow its cache without
 * bound (measured: ~8× slower, +61 MB never freed after 3,000 requests; TOOLCHAIN.md). After this
 * middleware the header is one of a handful of values:
 *
 * - absent when there is no body, or on GET/HEAD (a body means nothing there): it describes nothing;
 * - `application/json`, with `; charset=utf-8` when the client said so in any spelling; any other
 *   charset is a 415 here (JSON is UTF-8, RFC 8259 §8.1);
 * - `application/x-www-form-urlencoded`, without parameters, for the OAuth endpoints (RFC 6749 §3.2);
 * - `application/octet-stream` for any other media type: refused with 415 where a body is expected,
 *   ignored where none is, and in both cases the exact type plays no part.
 *
 * @module server/http/content-type
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors.ts';

export function normaliseContentType(header: string): string {
  const [type, ...params] = header.split(';');
  const charset = params.map((p) => p.trim()).find((p) => /^charset=/i.test(p));
  const mediaType = type.trim().toLowerCase();
  return charset ? `${mediaType}; charset=${charset.slice('charset='.length).replace(/^"|"$/g, '').toLowerCase()}` : mediaType;
}

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** Stands for every media type but JSON and forms (see the module comment). */
export const OTHER_MEDIA_TYPE = 'application/octet-stream';

/**
 * The value the body parser and the validator get: null to remove the header, or an `ApiError`
 * for a JSON body in a charset other than UTF-8.
 */
export function boundedContentType(header: string, hasBody: boolean, method: string): string | null | ApiError {
  if (!hasBody || method === 'GET' || method === 'HEAD') return null;
  const normalised = normaliseContentType(header);
  const [mediaType, charsetParam] = normalised.split('; charset=');
  // Form bodies are percent-encoded ASCII whatever the charset says: one value, parameters dropped.
  if (mediaType === FORM_MEDIA_TYPE) return FORM_MEDIA_TYPE;
  if (mediaType !== 'application/json') return OTHER_MEDIA_TYPE;
  if (charsetParam === undefined) return 'application/json';
  // The body parser's decoder reads "utf-8", "UTF8", "utf-8--" alike: so do we.
  if (charsetParam.replace(/[^0-9a-z]/g, '') === 'utf8') return 'application/json; charset=utf-8';
  return new ApiError('UNSUPPORTED_MEDIA_TYPE', `Unsupported charset "${charsetParam.slice(0, 40)}": send UTF-8 JSON.`);
}

/** A body follows the headers (an empty one counts: the body parser reads it). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

export function contentType(req: Request, _res: Response, next: NextFunction): void {
  const header = req.headers['content-type'];
  if (header === undefined) return next();
  const bounded = boundedContentType(header, hasBody(req), req.method);
  if (bounded instanceof ApiError) return next(bounded);
  if (bounded === null) delete req.headers['content-type'];
  else req.headers['content-type'] = bounded;
  next();
}
