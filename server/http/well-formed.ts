/**
 * Refuses text that is not well-formed Unicode, with 400, wherever it enters: path segments
 * (keys, channel names, ids), the query (prefixes; see ./url-encoding.ts) and every string of a
 * JSON body, names of object members included. A lone UTF-16 surrogate (`"\ud800"` in JSON) or
 * percent-encoded bytes that are not UTF-8 (`%ED%A0%80`, `%FF`) would otherwise be stored: on
 * SQLite as a key that sorts where no client can name it (scans returned a key that did not exist
 * and skipped live ones), on Redis collapsed to U+FFFD and colliding with the real U+FFFD key, on
 * PostgreSQL refused by `jsonb` as a 500 (issue 13, item 10).
 *
 * @module server/http/well-formed
 * @see https://infra.spec.whatwg.org/#scalar-value-string
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors.ts';
import { percentDecode } from './url-encoding.ts';

/** A surrogate code point that is not half of a pair (in `u` mode pairs are one code point). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Percent-decodes each path segment strictly (UTF-8 only), before Express routes on them. */
export function wellFormedUrl(req: Request, _res: Response, next: NextFunction): void {
  const path = req.url.split('?', 1)[0];
  for (const segment of path.split('/')) percentDecode(segment, '/path');
  next();
}

/** JSON Pointer escaping of one reference token (RFC 6901). */
const pointer = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/** The first string (value or member name) with a lone surrogate, as a JSON Pointer, or null. */
export function illFormedAt(value: unknown, root = '/body'): string | null {
  // Iterative: bodies are at most 512 levels deep (json-depth.ts) but a walk must not recurse anyway.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [node, at] = stack.pop()!;
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node)) return at;
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push([item, `${at}/${i}`]));
    } else if (node !== null && typeof node === 'object') {
      for (const [name, item] of Object.entries(node)) {
        if (LONE_SURROGATE.test(name)) return at;
        stack.push([item, `${at}/${pointer(name)}`]);
      }
    }
  }
  return null;
}

export function wellFormedBody(req: Request, _res: Response, next: NextFunction): void {
  const at = req.body === undefined ? null : illFormedAt(req.body);
  if (at !== null) {
    const message = 'must be well-formed Unicode (no lone UTF-16 surrogate)';
    throw new ApiError('INVALID_REQUEST', `The request is invalid: ${at} ${message}.`, { details: [{ path: at, message }] });
  }
  next();
}
