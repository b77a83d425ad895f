/**
 * `auth login|status|logout` and stored logins, against a small fake authorization server that
 * checks what the protocol requires of the client (PKCE S256, state, the loopback redirect, the
 * device grant's polling, refresh-token rotation, RFC 7009 revocation). The real server is
 * exercised end to end by test/package/cli.test.ts; this pins the client's side alone.
 */
import { createHash } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli, isolate } from './harness.ts';

interface Fake {
  challenge?: string;
  scope?: string | null;
  redirect?: string;
  access: string;
  refresh: string;
  usedRefresh: Set<string>;
  revoked: string[];
  expiresIn: number;
  deviceApproved: boolean;
  polls: number;
  apiCalls: string[];
  counter: number;
}

let fake: Fake;
let server: Server;
let base: string;
let config: string;

const body = async (req: IncomingMessage) => {
  let text = '';
  for await (const chunk of req) text += chunk;
  return new URLSearchParams(text);
};

function issue(res: import('node:http').ServerResponse) {
  fake.counter++;
  fake.access = `oat_access_${fake.counter}`;
  fake.refresh = `ort_refresh_${fake.counter}`;
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(
    JSON.stringify({ access_token: fake.access, token_type: 'Bearer', refresh_token: fake.refresh, expires_in: fake.expiresIn, scope: 'kv:read kv:write', org_id: 'org_fake', project_id: 'proj_fake' }),
  );
}

const oauthError = (res: import('node:http').ServerResponse, error: string, status = 400) =>
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error, error_description: `fake: ${error}` }));

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    if (url.pathname === '/.well-known/oauth-authorization-server') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/oauth/token`,
          device_authorization_endpoint: `${base}/oauth/device/code`, revocation_endpoint: `${base}/oauth/revoke`, scopes_supported: ['*', 'kv:*', 'kv:read', 'kv:write'],
        }),
      );
    } else if (url.pathname === '/authorize') {
      // The consent page, approved at once: back to the client with a code and its state.
      const q = url.searchParams;
      expect(q.get('client_id')).toBe('saasignal-cli');
      expect(q.get('code_challenge_method')).toBe('S256');
      expect(q.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
      fake.challenge = q.get('code_challenge') ?? undefined;
      fake.scope = q.get('scope');
      fake.redirect = q.get('redirect_uri') ?? undefined;
      const deny = q.get('scope') === 'deny:me';
      res.writeHead(302, { Location: `${fake.redirect}?${deny ? 'error=access_denied' : 'code=the-code'}&state=${q.get('state')}` }).end();
    } else if (url.pathname === '/oauth/token') {
      const form = await body(req);
      const grant = form.get('grant_type');
      if (grant === 'authorization_code') {
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== fake.challenge) return oauthError(res, 'invalid_grant');
        if (form.get('redirect_uri') !== fake.redirect || form.get('code') !== 'the-code') return oauthError(res, 'invalid_grant');
        return issue(res);
      }
      if (grant === 'refresh_token') {
        const token = form.get('refresh_token') ?? '';
        if (fake.usedRefresh.has(token) || token !== fake.refresh) return oauthError(res, 'invalid_grant');
        fake.usedRefresh.add(token);
        return issue(res);
      }
      if (grant === 'urn:ietf:params:oauth:grant-type:device_code') {
        fake.polls++;
        if (form.get('device_code') !== 'dev-123') return oauthError(res, 'invalid_grant');
        return fake.deviceApproved ? issue(res) : oauthError(res, 'authorization_pending');
      }
      return oauthError(res, 'unsupported_grant_type');
    } else if (url.pathname === '/oauth/device/code') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({ device_code: 'dev-123', user_code: 'WDJB-MJHT', verification_uri: `${base}/device`, expires_in: 60, interval: 1 }),
      );
    } else if (url.pathname === '/oauth/revoke') {
      fake.revoked.push((await body(req)).get('token') ?? '');
      res.writeHead(200).end();
    } else if (url.pathname === '/core/organizations') {
      // What `auth status` asks: a login scoped to kv lacks orgs:read, which still proves it valid.
      const auth = req.headers.authorization ?? '';
      fake.apiCalls.push(auth);
      const known = auth === `Bearer ${fake.access}` || auth === 'Bearer from-env';
      res.writeHead(known ? 403 : 401, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({ error: known ? { code: 'INSUFFICIENT_SCOPE', message: 'Lacks orgs:read.', request_id: 'req_fake' } : { code: 'UNAUTHORIZED', message: 'Invalid token.', request_id: 'req_fake' } }),
      );
    } else if (url.pathname.startsWith('/infra/kv/')) {
      fake.apiCalls.push(req.headers.authorization ?? '');
      if (req.headers.authorization !== `Bearer ${fake.access}`) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'Invalid token.', request_id: 'req_fake' } }));
      } else res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ key: 'k', value: 1, expires_at: null }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

beforeEach(async () => {
  fake = { access: '', refresh: '', usedRefresh: new Set(), revoked: [], expiresIn: 3600, deviceApproved: false, polls: 0, apiCalls: [], counter: 0 };
  config = await isolate();
  process.env.SAASIGNAL_BASE_URL = base;
});

/** Runs `auth login`, playing the browser: opens the printed URL and follows it back to the CLI. */
async function browserLogin(extra: string[] = []) {
  let opened: Promise<unknown> | undefined;
  const ran = cli(['auth', 'login', '--no-browser', ...extra], {
    onStderr: (text) => {
      const url = /https?:\/\/\S+\/authorize\?\S+/.exec(text)?.[0];
      if (url && !opened) {
        opened = fetch(url, { redirect: 'manual' }).then((r) => fetch(r.headers.get('location') as string)).then((r) => r.text());
      }
    },
  });
  const result = await ran;
  return { ...result, page: await opened };
}

describe('auth login through the browser', () => {
  it('stores the tokens, mode 0600, under XDG_CONFIG_HOME/saasignal; commands use and refresh them', async () => {
    const login = await browserLogin();
    expect(login.code).toBe(0);
    expect(login.page).toMatch(/Logged in/);
    expect(login.stdout).toMatch(/^Logged in to http:\/\/127\.0\.0\.1:\d+\.\n/);
    expect(login.stdout).not.toContain('oat_');
    // Without --scopes: every scope of the metadata by name, for the consent page to narrow.
    expect(fake.scope).toBe('kv:read kv:write');
    const file = join(config, 'saasignal', 'auth.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(config, 'saasignal'))).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(await readFile(file, 'utf8')).logins[base];
    expect(stored).toMatchObject({ access_token: 'oat_access_1', refresh_token: 'ort_refresh_1', scope: 'kv:read kv:write', org_id: 'org_fake', flow: 'browser' });

    expect(await cli(['kv', 'get', 'k', '--json'])).toMatchObject({ code: 0 });
    expect(fake.apiCalls).toEqual(['Bearer oat_access_1']);

    // Expired: refreshed before the call, the rotated refresh token kept.
    stored.expires_at = Date.now() - 1000;
    await writeFile(file, JSON.stringify({ version: 1, logins: { [base]: stored } }));
    expect((await cli(['kv', 'get', 'k'])).code).toBe(0);
    expect(fake.apiCalls.at(-1)).toBe('Bearer oat_access_2');
    expect(JSON.parse(await readFile(file, 'utf8')).logins[base].refresh_token).toBe('ort_refresh_2');
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    // Refused (revoked on the server, not yet expired here): refreshed once and retried.
    fake.access = 'something-else';
    expect((await cli(['kv', 'get', 'k'])).code).toBe(0);
    expect(fake.apiCalls.slice(-2)).toEqual(['Bearer oat_access_2', 'Bearer oat_access_3']);

    const status = JSON.parse((await cli(['auth', 'status', '--json'])).stdout);
    expect(status).toMatchObject({ base_url: base, credential: 'login', org_id: 'org_fake', project_id: 'proj_fake', scopes: 'kv:read kv:write', flow: 'browser', valid: true });
    expect(JSON.stringify(status)).not.toMatch(/oat_|ort_/);
    expect(fake.apiCalls.at(-1)).toBe('Bearer oat_access_3');
  });

  it('auth status asks the server: a login it refuses is refreshed once, and one it ended is exit 1', async () => {
    await browserLogin();
    fake.access = 'revoked-here';
    const refreshed = await cli(['auth', 'status', '--json']);
    expect(refreshed.code).toBe(0);
    expect(JSON.parse(refreshed.stdout)).toMatchObject({ credential: 'login', valid: true });
    expect(fake.apiCalls.slice(-2)).toEqual(['Bearer oat_access_1', 'Bearer oat_access_2']);

    fake.access = 'gone';
    fake.refresh = 'gone';
    const ended = await cli(['auth', 'status']);
    expect(ended).toMatchObject({ code: 1, stdout: '' });
    expect(ended.stderr).toBe(`Error: Your CLI login to ${base} is no longer valid (revoked, or expired): run \`saasignal auth login\` again.\n`);
  });

  it('a session the server ended: the next command fails with exit 1 and says to log in again', async () => {
    await browserLogin();
    fake.access = 'gone';
    fake.refresh = 'gone';
    const r = await cli(['kv', 'get', 'k']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error: Your CLI login to ${base} is no longer valid (revoked, or expired): run \`saasignal auth login\` again.\n`);
  });

  it('an environment credential overrides the stored login', async () => {
    await browserLogin();
    process.env.SAASIGNAL_TOKEN = 'from-env';
    await cli(['kv', 'get', 'k']);
    expect(fake.apiCalls.at(-1)).toBe('Bearer from-env');
    expect(JSON.parse((await cli(['auth', 'status', '--json'])).stdout)).toMatchObject({ credential: 'SAASIGNAL_TOKEN', stored_login: 'yes (overridden)' });
  });

  it('denied in the browser: exit 1, nothing stored', async () => {
    const r = await browserLogin(['--scopes', 'deny:me']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: The login was denied in the browser \(access_denied\)/);
    await expect(stat(join(config, 'saasignal', 'auth.json'))).rejects.toThrow();
  });

  it('--scopes asks for a subset: the authorization URL carries them space-separated', async () => {
    let url = '';
    const r = await cli(['auth', 'login', '--no-browser', '--scopes', 'kv:read'], {
      onStderr: (t) => {
        const found = /https?:\/\/\S+\/authorize\?\S+/.exec(t)?.[0];
        if (found && !url) {
          url = found;
          void fetch(url, { redirect: 'manual' }).then((res) => fetch(res.headers.get('location') as string));
        }
      },
    });
    expect(r.code).toBe(0);
    expect(new URL(url).searchParams.get('scope')).toBe('kv:read');
    expect(new URL(url).searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
  });

  it('logout revokes the refresh and access tokens (RFC 7009) and deletes the login', async () => {
    await browserLogin();
    const r = await cli(['auth', 'logout']);
    expect(r).toMatchObject({ code: 0, stdout: `Logged out of ${base} (session revoked).\n` });
    expect(fake.revoked).toEqual(['ort_refresh_1', 'oat_access_1']);
    await expect(stat(join(config, 'saasignal', 'auth.json'))).rejects.toThrow();
    expect((await cli(['auth', 'status'])).code).toBe(1);
  });
});

describe('auth login --device', () => {
  it('prints the URL and code, polls until approved, stores the login', async () => {
    const ran = cli(['auth', 'login', '--device'], {
      onStderr: (t) => {
        if (t.includes('WDJB-MJHT')) setTimeout(() => (fake.deviceApproved = true), 1500);
      },
    });
    const r = await ran;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${base}/device`);
    expect(r.stderr).toContain('WDJB-MJHT');
    expect(fake.polls).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(await readFile(join(config, 'saasignal', 'auth.json'), 'utf8')).logins[base]).toMatchObject({ flow: 'device', access_token: fake.access });
  }, 20_000);
});

describe('a server without OAuth metadata', () => {
  it('auth login says to use an API key: exit 1', async () => {
    const r = await cli(['auth', 'login', '--no-browser', '--base-url', `${base}/elsewhere`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/offers no CLI login .* Use an API key instead: --api-key or SAASIGNAL_API_KEY\./);
  });
});
