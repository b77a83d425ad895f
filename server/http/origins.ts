/**
 * The origins this server trusts: its own (`SAASIGNAL_BASE_URL`) and those an operator lists in
 * `SAASIGNAL_TRUSTED_ORIGINS` (comma-separated, e.g. a Dashboard served from another host).
 * Shared by the CSRF check (a cookie-authenticated write must come from one of them) and CORS.
 *
 * @module server/http/origins
 * @see https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin
 */
import { ORIGIN_MAX } from '../../spec/limits.ts';

/**
 * The server's own base URL when `SAASIGNAL_BASE_URL` is not set: localhost on the port it
 * listens on (`PORT`, default 3000), so that `PORT=3977 npm start` links its errors and trusts
 * its Dashboard at :3977, not at a port nothing listens on. `PORT=0` (any free port) can't be
 * known up front: set `SAASIGNAL_BASE_URL` for that.
 */
export function defaultBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const port = env.PORT?.trim();
  return `http://localhost:${port && /^[1-9]\d{0,4}$/.test(port) && Number(port) <= 65535 ? port : '3000'}`;
}

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
  const own = originOf(env.SAASIGNAL_BASE_URL || defaultBaseUrl(env));
  const listed = (env.SAASIGNAL_TRUSTED_ORIGINS ?? '').split(',').filter((s) => s.trim() !== '').map(originOf);
  return [...new Set([own, ...listed].filter((o): o is string => o !== null))];
}

/** The server's base URL without a trailing slash (`SAASIGNAL_BASE_URL`, default localhost on `PORT`): absolute links such as `error.docs`. */
export function baseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.SAASIGNAL_BASE_URL?.trim() || defaultBaseUrl(env)).replace(/\/+$/, '');
}
