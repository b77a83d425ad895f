/**
 * Building a request URL from an operation's path template, path parameters and query.
 *
 * @module saasignal/runtime/url
 */

/** A path parameter's value, refused before sending when no HTTP client could address it. */
export function pathParam(name: string, value: unknown, invalid: (message: string) => Error): string {
  const s = typeof value === 'number' ? String(value) : value;
  if (typeof s !== 'string' || s === '') throw invalid(`${name} is required`);
  // fetch and browsers rewrite `.` and `..` path segments: the request would reach another route.
  if (s === '.' || s === '..') throw invalid(`${name} cannot be "${s}": HTTP clients cannot address it`);
  return s;
}

/** `base + path` with each `{param}` percent-encoded, and the query (undefined values left out). */
export function buildUrl(base: string, path: string, params: Record<string, string>, query?: Record<string, unknown>): string {
  const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name]));
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item !== undefined && item !== null) pairs.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(item))}`);
    }
  }
  return base.replace(/\/+$/, '') + filled + (pairs.length ? `?${pairs.join('&')}` : '');
}
