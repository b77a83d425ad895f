/**
 * Which credential a command uses, first found wins: `--api-key`, then the environment as the
 * SDK's `createClient()` reads it (`SAASIGNAL_API_KEY`, `SAASIGNAL_KEY`, `SAASIGNAL_TOKEN`: one
 * list, in the runtime), then the login stored for the base URL, refreshed when it has expired.
 *
 * @module saasignal/cli/credentials
 */
import { credentialFromEnv, env } from '../runtime/index.ts';
import { CliError } from './errors.ts';
import { OAuthError, refresh, toLogin } from './oauth.ts';
import { getLogin, type Login, saveLogin, withLock } from './store.ts';

export interface Credential {
  key?: string;
  /** `--api-key`, the variable's name, or `login`. */
  source: string;
  login?: Login;
  baseUrl: string;
}

/** Refresh this long before the access token expires, so that it does not expire in flight. */
const EXPIRY_MARGIN_MS = 30_000;

export function baseUrlOf(flag: string | undefined, fallback: string): string {
  return (flag ?? env('SAASIGNAL_BASE_URL') ?? fallback).replace(/\/+$/, '');
}

export async function resolveCredential(apiKey: string | undefined, baseUrl: string): Promise<Credential> {
  if (apiKey) return { key: apiKey, source: '--api-key', baseUrl };
  const fromEnv = credentialFromEnv();
  if (fromEnv) return { key: fromEnv.value, source: fromEnv.name, baseUrl };
  let login = await getLogin(baseUrl);
  if (login?.expires_at !== undefined && login.expires_at - EXPIRY_MARGIN_MS < Date.now()) login = await refreshLogin(baseUrl);
  return login ? { key: login.access_token, source: 'login', login, baseUrl } : { source: 'none', baseUrl };
}

/** The message for a stored login the server no longer accepts. */
export const loginGone = (baseUrl: string) =>
  `Your CLI login to ${baseUrl} is no longer valid (revoked, or expired): run \`saasignal auth login\` again.`;

/**
 * Exchanges the stored refresh token for new tokens, under the store's lock; a login another
 * process refreshed meanwhile is taken as it is (its refresh token has already rotated).
 */
export async function refreshLogin(baseUrl: string, rejected?: string): Promise<Login> {
  return withLock(async () => {
    const current = await getLogin(baseUrl);
    if (!current) throw new CliError(loginGone(baseUrl));
    const fresh = current.expires_at === undefined || current.expires_at - EXPIRY_MARGIN_MS > Date.now();
    if (fresh && current.access_token !== rejected) return current;
    try {
      const login = toLogin(await refresh(current), { token_endpoint: current.token_endpoint, revocation_endpoint: current.revocation_endpoint, authorization_endpoint: '' }, current.flow, current);
      await saveLogin(baseUrl, login);
      return login;
    } catch (err) {
      if (err instanceof OAuthError && /invalid_grant|invalid_token|unauthorized|http_401/i.test(err.error)) throw new CliError(loginGone(baseUrl));
      throw err;
    }
  });
}
