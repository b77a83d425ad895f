/**
 * The query string, parsed the way the document serializes it (RFC 3986, as OpenAPI's `form`
 * style with `allowReserved` describes it), not as an HTML form:
 *
 * - `&` separates parameters and the first `=` separates a name from its value; a later `=` is
 *   part of the value (`?prefix=a=b` is the prefix `a=b`);
 * - `%XX` sequences are UTF-8 percent-encoding; a `%` that does not start one, or bytes that are
 *   not UTF-8, are a 400 (never silently replaced with U+FFFD);
 * - `+` is a plus sign, never a space (`?prefix=p+q` is the prefix `p+q`; a space is `%20`);
 * - `#` starts the fragment, which clients never send: a `#` in a value must be sent as `%23`.
 *
 * Express's default parser (`qs`/`querystring`) decodes `+` as a space and turns `a[b]=c` into
 * objects: with it `?prefix=p+q` silently scanned `"p q"` (issue 14). A repeated name gives an
 * array, which the validator refuses for these single-valued parameters.
 *
 * @module server/http/url-encoding
 * @see https://www.rfc-editor.org/rfc/rfc3986#section-3.4
 * @see https://spec.openapis.org/oas/v3.1.1#style-examples
 */
import { ApiError } from '../errors.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Percent-decodes one query component, or throws a 400 naming `where` (e.g. `/query/prefix`).
 * Exported for path segments too (see server/http/well-formed.ts).
 */
export function percentDecode(text: string, where: string): string {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x25) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw invalid(where, `"%" must start a percent-encoded byte (%XX); send a literal "%" as %25`);
      }
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (char < 0x80) {
      bytes.push(char);
    } else {
      // Raw non-ASCII (Node keeps the request line as latin1-decoded text): one byte each.
      bytes.push(...Buffer.from(text[i], 'latin1'));
    }
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes));
  } catch {
    throw invalid(where, 'percent-encoded bytes must be UTF-8');
  }
}

function invalid(where: string, message: string): ApiError {
  return new ApiError('INVALID_REQUEST', `The request is invalid: ${where} ${message}.`, { details: [{ path: where, message }] });
}

/** Express's `query parser` setting: the query string (without `?`) to parameters. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = Object.create(null);
  if (!query) return params;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = percentDecode(eq < 0 ? pair : pair.slice(0, eq), '/query');
    const value = eq < 0 ? '' : percentDecode(pair.slice(eq + 1), `/query/${name}`);
    const previous = params[name];
    params[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return params;
}
