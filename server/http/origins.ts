/**
 * The origins this server trusts: its own (`SAASIGNAL_BASE_URL`) and those an operator lists in
 * `SAASIGNAL_TRUSTED_ORIGINS` (comma-separated, e.g. a Dashboard served from another host).
 * Shared by the CSRF check (a cookie-authenticated write must come from one of them) and CORS.
 *
 * @module server/http/origins
 * @see https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin
 */
import { ORIGIN_MAX } from '../../spec/common.ts';

/** The server's own origin when `SAASIGNAL_BASE_URL` is not set (as better-auth assumes too). */
export const DEFAULT_BASE_URL = 'http://localhost:3000';

/** `scheme://host[:port]` of a URL, or null when it is not an http(s) URL. */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url.trim());
    // The document bounds the echoed `Access-Control-Allow-Origin`; no real origin comes near it.
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.origin.length <= ORIGIN_MAX ? parsed.origin : null;
  } catch {
    return null;
  }
}

/** The server's own origin first, then each valid entry of `SAASIGNAL_TRUSTED_ORIGINS`, without duplicates. */
export function trustedOrigins(env: NodeJS.ProcessEnv = process.env): string[] {
  const own = originOf(env.SAASIGNAL_BASE_URL || DEFAULT_BASE_URL);
  const listed = (env.SAASIGNAL_TRUSTED_ORIGINS ?? '').split(',').filter((s) => s.trim() !== '').map(originOf);
  return [...new Set([own, ...listed].filter((o): o is string => o !== null))];
}

/** The server's base URL without a trailing slash (`SAASIGNAL_BASE_URL`, default http://localhost:3000): absolute links such as `error.docs`. */
export function baseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.SAASIGNAL_BASE_URL?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, '');
}
