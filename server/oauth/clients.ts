/**
 * The registered OAuth clients and their redirect URIs. There is one, the `saasignal` CLI: a
 * public client (no secret, PKCE instead) on the user's own machine, whose redirect is a loopback
 * address on any port it could open (RFC 8252 §7.3) and the path `/callback`. Anything else — a
 * hostname (`localhost` can be re-pointed), another path, https, user info, a query or fragment —
 * is refused before any code is made.
 *
 * @module server/oauth/clients
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3
 */
import { CLI_CLIENT_ID } from '../../spec/limits.ts';

export interface OAuthClientInfo {
  client_id: string;
  name: string;
}

const CLIENTS: ReadonlyMap<string, OAuthClientInfo> = new Map([[CLI_CLIENT_ID, { client_id: CLI_CLIENT_ID, name: 'SaaSignal CLI' }]]);

export function findClient(clientId: string | undefined): OAuthClientInfo | undefined {
  return clientId === undefined ? undefined : CLIENTS.get(clientId);
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);
const CALLBACK_PATH = '/callback';

/** Why a redirect URI is refused, or null when it is a loopback callback. */
export function redirectUriProblem(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'redirect_uri is not an absolute URL.';
  }
  if (url.protocol !== 'http:') return 'redirect_uri must use http on a loopback address (RFC 8252 §7.3).';
  if (!LOOPBACK_HOSTS.has(url.hostname)) return `redirect_uri must be on 127.0.0.1 or [::1], not ${url.hostname}.`;
  if (url.username || url.password) return 'redirect_uri must not carry user information.';
  if (url.pathname !== CALLBACK_PATH) return `redirect_uri must have the path ${CALLBACK_PATH}.`;
  if (url.search || url.hash || uri.includes('#') || uri.includes('?')) return 'redirect_uri must have no query or fragment.';
  return null;
}
