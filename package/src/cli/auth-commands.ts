/**
 * `saasignal auth login|logout|status`: a login through the browser (authorization code with
 * PKCE and a loopback redirect) or a device code, kept per base URL in the config folder;
 * logout revokes it on the server before forgetting it.
 *
 * @module saasignal/cli/auth-commands
 */
import type { Command } from 'commander';
import { CliError } from './errors.ts';
import type { Context } from './context.ts';
import { fields, json } from './output.ts';
import { discover, type Metadata, pollDeviceLogin, revoke, startBrowserLogin, startDeviceLogin, toLogin } from './oauth.ts';
import { authFile, deleteLogin, getLogin, type Login, saveLogin } from './store.ts';

/**
 * Waits for `done`, with a spinner on a terminal (@clack/prompts, on stderr) or one plain line
 * otherwise (a log, a test reading stderr).
 */
async function waiting<T>(ctx: Context, message: string, done: Promise<T>): Promise<T> {
  if (!ctx.io.interactive) {
    ctx.io.stderr(`${message}…\n`);
    return done;
  }
  const { spinner } = await import('@clack/prompts');
  const s = spinner({ output: process.stderr, signal: ctx.io.interrupt });
  s.start(message);
  try {
    const value = await done;
    s.stop('Approved');
    return value;
  } catch (err) {
    s.error('Not approved');
    throw err;
  }
}

/** What `auth status` and a login print: never a token. */
function summary(baseUrl: string, login: Login, source = 'login'): Record<string, unknown> {
  return {
    base_url: baseUrl,
    credential: source,
    org_id: login.org_id ?? null,
    project_id: login.project_id ?? null,
    scopes: login.scope,
    expires_at: login.expires_at ? new Date(login.expires_at).toISOString() : null,
    flow: login.flow,
    file: authFile(),
  };
}

async function browserFlow(ctx: Context, meta: Metadata, scopes: string[], openBrowser: boolean): Promise<Record<string, unknown>> {
  const login = await startBrowserLogin(meta, scopes);
  ctx.io.interrupt.addEventListener('abort', login.cancel, { once: true });
  ctx.io.stderr(`Open this URL in a browser to sign in and approve the CLI:\n\n  ${login.url}\n\n`);
  if (openBrowser) {
    try {
      const { default: open } = await import('open');
      const child = await open(login.url);
      child.on('error', () => undefined);
    } catch {
      // No browser here (a server, a container): the URL above serves.
    }
  }
  return waiting(ctx, 'Waiting for the browser', login.done);
}

async function deviceFlow(ctx: Context, meta: Metadata, scopes: string[]): Promise<Record<string, unknown>> {
  const device = await startDeviceLogin(meta, scopes);
  ctx.io.stderr(`On any device, open\n\n  ${device.verification_uri}\n\nand enter the code\n\n  ${device.user_code}\n\n`);
  if (device.verification_uri_complete) ctx.io.stderr(`(or open ${device.verification_uri_complete})\n`);
  return waiting(ctx, 'Waiting for approval', pollDeviceLogin(meta, device, ctx.io.interrupt));
}

export function addAuthCommands(program: Command, context: (cmd: Command) => Context): void {
  const auth = program.command('auth').description('login, logout, status');

  auth
    .command('login')
    .description('Sign in through the browser and store a scoped, refreshable token for this base URL')
    .option('--device', 'use a code typed on another device instead of a browser on this machine')
    .option('--scopes <items>', 'ask for these scopes only (comma-separated, e.g. kv:read,kv:write)')
    .option('--no-browser', 'print the URL without opening a browser')
    .action(async (opts: { device?: boolean; scopes?: string; browser: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const baseUrl = ctx.options.baseUrl;
      const meta = await discover(baseUrl);
      // By default every scope the server knows, each by name (the consent page lets the user
      // narrow them): the wildcards (`*`, `kv:*`) would only repeat them.
      const scopes = opts.scopes ? opts.scopes.split(/[\s,]+/).filter(Boolean) : (meta.scopes_supported ?? []).filter((s) => !s.includes('*'));
      const tokens = opts.device ? await deviceFlow(ctx, meta, scopes) : await browserFlow(ctx, meta, scopes, opts.browser);
      const login = toLogin(tokens, meta, opts.device ? 'device' : 'browser');
      await saveLogin(baseUrl, login);
      const info = summary(baseUrl, login);
      ctx.io.stdout(ctx.options.json ? `${json(info)}\n` : `Logged in to ${baseUrl}.\n${fields(info)}\n`);
    });

  auth
    .command('status')
    .description('Show which credential commands use and the stored login, after checking with the server that it is still valid')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const stored = await getLogin(ctx.options.baseUrl);
      const unchecked = await ctx.credential();
      if (!unchecked.key) throw new CliError(`Not logged in to ${ctx.options.baseUrl}: run \`saasignal auth login\`, or set SAASIGNAL_API_KEY.`);
      const credential = await ctx.verify(unchecked);
      const info = credential.login
        ? { ...summary(ctx.options.baseUrl, credential.login), valid: true }
        : { base_url: ctx.options.baseUrl, credential: credential.source, valid: true, stored_login: stored ? 'yes (overridden)' : 'no' };
      ctx.io.stdout(ctx.options.json ? `${json(info)}\n` : `${fields(info)}\n`);
    });

  auth
    .command('logout')
    .description('Revoke the stored login on the server and delete it')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = context(cmd);
      const baseUrl = ctx.options.baseUrl;
      const login = await getLogin(baseUrl);
      if (!login) {
        ctx.io.stderr(`No stored login for ${baseUrl}.\n`);
        return;
      }
      let revoked = true;
      try {
        await revoke(login);
      } catch (err) {
        revoked = false;
        ctx.io.stderr(`Could not revoke the session on the server (${(err as Error).message}); revoke it in the Dashboard.\n`);
      }
      await deleteLogin(baseUrl);
      ctx.io.stdout(`Logged out of ${baseUrl}${revoked ? ' (session revoked)' : ''}.\n`);
    });
}
