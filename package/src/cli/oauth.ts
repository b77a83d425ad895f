/**
 * The CLI as an OAuth 2.1 public client (`client_id=saasignal-cli`): server metadata discovery,
 * the authorization code grant with PKCE (S256) and a loopback redirect, the device
 * authorization grant, refresh (the refresh token rotates on every use) and revocation.
 *
 * @module saasignal/cli/oauth
 * @see https://www.rfc-editor.org/rfc/rfc8414 (metadata)
 * @see https://www.rfc-editor.org/rfc/rfc7636 (PKCE)
 * @see https://www.rfc-editor.org/rfc/rfc8252#section-7.3 (loopback redirect)
 * @see https://www.rfc-editor.org/rfc/rfc8628 (device grant)
 * @see https://www.rfc-editor.org/rfc/rfc7009 (revocation)
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CliError } from './errors.ts';
import type { Login } from './store.ts';

export const CLIENT_ID = 'saasignal-cli';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface Metadata {
  issuer?: string;
  authorization_endpoint: string;
  token_endpoint: string;
  device_authorization_endpoint?: string;
  revocation_endpoint?: string;
  scopes_supported?: string[];
}

/** An error answer of the token, device or revocation endpoint (RFC 6749 §5.2). */
export class OAuthError extends CliError {
  constructor(readonly error: string, description?: string) {
    super(description ? `${description} (${error})` : error);
  }
}

const base64url = (b: Buffer) => b.toString('base64url');

export function pkce(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) };
}

export async function discover(baseUrl: string, fetchImpl = fetch): Promise<Metadata> {
  const url = `${baseUrl.replace(/\/+$/, '')}/.well-known/oauth-authorization-server`;
  let res: Response;
  try {
    res = await fetchImpl(url, { headers: { Accept: 'application/json' } });
  } catch (err) {
    throw new CliError(`Cannot reach ${baseUrl} (${(err as Error).message}). Is the server running? Set --base-url or SAASIGNAL_BASE_URL.`);
  }
  const meta = res.ok ? ((await res.json().catch(() => undefined)) as Metadata | undefined) : undefined;
  if (!meta?.authorization_endpoint || !meta.token_endpoint) {
    throw new CliError(`${baseUrl} offers no CLI login (no OAuth metadata at ${url}, HTTP ${res.status}). Use an API key instead: --api-key or SAASIGNAL_API_KEY.`);
  }
  return meta;
}

/** A form POST to an OAuth endpoint; an error answer throws its `error` and `error_description`. */
async function formPost(endpoint: string, params: Record<string, string>, fetchImpl = fetch): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetchImpl(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(params).toString(),
    });
  } catch (err) {
    throw new CliError(`Cannot reach ${endpoint} (${(err as Error).message}).`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    // Not JSON: described by the status below.
  }
  if (!res.ok) {
    const envelope = body.error as { message?: string; code?: string } | string | undefined;
    if (typeof envelope === 'object' && envelope) throw new OAuthError(envelope.code ?? `http_${res.status}`, envelope.message);
    throw new OAuthError(typeof envelope === 'string' ? envelope : `http_${res.status}`, body.error_description as string | undefined);
  }
  return body;
}

/** The stored login made from a token response (RFC 6749 §5.1, with `org_id` and `project_id`). */
export function toLogin(res: Record<string, unknown>, meta: Metadata, flow: Login['flow'], previous?: Login): Login {
  if (typeof res.access_token !== 'string') throw new CliError('The token endpoint answered without an access_token.');
  return {
    access_token: res.access_token,
    refresh_token: typeof res.refresh_token === 'string' ? res.refresh_token : previous?.refresh_token,
    ...(typeof res.expires_in === 'number' ? { expires_at: Date.now() + res.expires_in * 1000 } : {}),
    scope: typeof res.scope === 'string' ? res.scope : (previous?.scope ?? ''),
    org_id: typeof res.org_id === 'string' ? res.org_id : previous?.org_id,
    project_id: typeof res.project_id === 'string' ? res.project_id : previous?.project_id,
    client_id: CLIENT_ID,
    token_endpoint: meta.token_endpoint,
    revocation_endpoint: meta.revocation_endpoint,
    flow,
    created_at: previous?.created_at ?? new Date().toISOString(),
  };
}

const PAGE = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><body style="font-family:system-ui;margin:4rem auto;max-width:32rem"><h1>${title}</h1><p>${text}</p></body></html>`;

export interface BrowserLogin {
  /** The authorization URL (print it; open it in a browser). */
  url: string;
  /** Settles when the browser comes back to the loopback redirect, with the code exchanged for tokens. */
  done: Promise<Record<string, unknown>>;
  /** Stops waiting (closes the loopback server). */
  cancel: () => void;
}

/**
 * Starts the authorization code flow: a one-shot HTTP server on 127.0.0.1 at a port the system
 * picks (RFC 8252 §7.3), the URL to open, and the exchange of the code once the browser returns.
 */
export async function startBrowserLogin(meta: Metadata, scopes: string[], timeoutMs = 300_000): Promise<BrowserLogin> {
  const { verifier, challenge } = pkce();
  const state = base64url(randomBytes(16));
  let settle: { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void };
  const done = new Promise<Record<string, unknown>>((resolve, reject) => (settle = { resolve, reject }));
  let redirectUri = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      return;
    }
    const reply = (status: number, title: string, text: string) => res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', Connection: 'close' }).end(PAGE(title, text));
    // A request without our state is not the answer to our request (RFC 6749 §10.12): ignore it.
    if (url.searchParams.get('state') !== state) {
      reply(400, 'Unexpected request', 'This page does not answer the login the terminal started.');
      return;
    }
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error || !code) {
      reply(400, 'Login not completed', 'You can close this tab; the terminal says what happened.');
      finish(new OAuthError(error ?? 'invalid_request', error === 'access_denied' ? 'The login was denied in the browser' : (url.searchParams.get('error_description') ?? undefined)));
      return;
    }
    formPost(meta.token_endpoint, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: CLIENT_ID, code_verifier: verifier }).then(
      (tokens) => {
        reply(200, 'Logged in', 'The SaaSignal CLI is signed in. You can close this tab and go back to the terminal.');
        finish(undefined, tokens);
      },
      (err: Error) => {
        reply(400, 'Login failed', 'The terminal says why.');
        finish(err);
      },
    );
  });
  const timer = setTimeout(() => finish(new CliError(`No answer from the browser within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
  function finish(err?: Error, tokens?: Record<string, unknown>) {
    clearTimeout(timer);
    server.close();
    server.closeAllConnections?.();
    if (err) settle.reject(err);
    else settle.resolve(tokens as Record<string, unknown>);
  }
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()));
  redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const url = new URL(meta.authorization_endpoint);
  const query: Record<string, string> = {
    response_type: 'code', client_id: CLIENT_ID, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state,
  };
  if (scopes.length) query.scope = scopes.join(' ');
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return { url: url.href, done, cancel: () => finish(new CliError('Login cancelled.')) };
}

export interface DeviceCode {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete?: string;
  expires_in: number;
  interval?: number;
}

export async function startDeviceLogin(meta: Metadata, scopes: string[]): Promise<DeviceCode> {
  if (!meta.device_authorization_endpoint) throw new CliError('This server offers no device login; run `saasignal auth login` without --device.');
  const params: Record<string, string> = { client_id: CLIENT_ID };
  if (scopes.length) params.scope = scopes.join(' ');
  return (await formPost(meta.device_authorization_endpoint, params)) as unknown as DeviceCode;
}

/** Polls the token endpoint at the interval the server asks for (RFC 8628 §3.4–3.5) until the user decides. */
export async function pollDeviceLogin(meta: Metadata, device: DeviceCode, signal?: AbortSignal): Promise<Record<string, unknown>> {
  let interval = (device.interval ?? 5) * 1000;
  const deadline = Date.now() + device.expires_in * 1000;
  for (;;) {
    await new Promise((r) => setTimeout(r, interval));
    if (signal?.aborted) throw new CliError('Login cancelled.');
    try {
      return await formPost(meta.token_endpoint, { grant_type: DEVICE_GRANT, device_code: device.device_code, client_id: CLIENT_ID });
    } catch (err) {
      const code = (err as OAuthError).error;
      if (code === 'authorization_pending' && Date.now() < deadline) continue;
      if (code === 'slow_down') {
        interval += 5000;
        continue;
      }
      if (code === 'access_denied') throw new OAuthError(code, 'The login was denied');
      if (code === 'expired_token' || code === 'authorization_pending') throw new OAuthError('expired_token', 'The code expired before it was approved; run the login again');
      throw err;
    }
  }
}

export async function refresh(login: Login): Promise<Record<string, unknown>> {
  if (!login.refresh_token) throw new OAuthError('invalid_grant', 'The login has no refresh token');
  return formPost(login.token_endpoint, { grant_type: 'refresh_token', refresh_token: login.refresh_token, client_id: login.client_id });
}

/** Revokes the refresh token (which ends the session) and the access token; RFC 7009 §2.2: success whatever the token's state. */
export async function revoke(login: Login): Promise<void> {
  if (!login.revocation_endpoint) throw new CliError('The server declares no revocation endpoint.');
  const endpoint = login.revocation_endpoint;
  if (login.refresh_token) await formPost(endpoint, { token: login.refresh_token, token_type_hint: 'refresh_token', client_id: login.client_id });
  await formPost(endpoint, { token: login.access_token, token_type_hint: 'access_token', client_id: login.client_id });
}
