/**
 * What one command invocation runs with: its global options (`--json`, `--api-key`,
 * `--base-url`), where it writes, and the call of an operation through the SDK — the
 * credential chosen, a stored login refreshed once when the server refuses it, the answer
 * printed, and an event stream followed until Ctrl-C.
 *
 * @module saasignal/cli/context
 */
import { createClient, type SaaSignalClient, SaaSignalError } from '../../../generated/sdk.ts';
import { fillContext } from './api-commands.ts';
import { type Credential, loginGone, refreshLogin, resolveCredential } from './credentials.ts';
import { CliError } from './errors.ts';
import { human, json } from './output.ts';
import type { CliOperation } from './table.ts';
import { sdkArguments } from './values.ts';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Fires when the user interrupts (Ctrl-C). */
  interrupt: AbortSignal;
  /** stderr is a terminal: show progress with a spinner rather than plain lines. */
  interactive?: boolean;
}

export interface GlobalOptions {
  json?: boolean;
  apiKey?: string;
  baseUrl: string;
}

type Method = (...args: unknown[]) => Promise<unknown> & AsyncIterable<unknown>;

function methodOf(client: SaaSignalClient, path: string): Method {
  const fn = path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], client);
  if (typeof fn !== 'function') throw new CliError(`This CLI's command table names ${path}, which its SDK lacks: reinstall saasignal.`);
  return fn as Method;
}

export class Context {
  constructor(readonly options: GlobalOptions, readonly io: Io) {}

  credential(): Promise<Credential> {
    return resolveCredential(this.options.apiKey, this.options.baseUrl);
  }

  client(credential: Credential): SaaSignalClient {
    return createClient(credential.key, { baseUrl: credential.baseUrl });
  }

  async callOperation(op: CliOperation, values: Record<string, unknown>, flags: { all: boolean; lastEventId?: string }): Promise<void> {
    let credential = await this.credential();
    fillContext(op, values, credential.login?.org_id);
    if (op.stream) return this.follow(op, values, credential, flags.lastEventId);
    const args = sdkArguments(op, values);
    const attempt = async (c: Credential) => {
      const call = methodOf(this.client(c), op.method)(...args);
      if (!flags.all || !op.page) return call;
      const items: unknown[] = [];
      for await (const item of call) items.push(item);
      return items;
    };
    let data: unknown;
    try {
      data = await attempt(credential);
    } catch (err) {
      // An access token the server refuses, with a refresh token at hand: refresh once and retry.
      if (!(err instanceof SaaSignalError && err.status === 401 && credential.login)) throw this.explain(err, credential);
      credential = { ...credential, login: await refreshLogin(credential.baseUrl, credential.key) };
      credential.key = credential.login?.access_token;
      data = await attempt(credential).catch((again) => {
        throw this.explain(again, credential);
      });
    }
    this.print(data, op, flags.all);
  }

  print(data: unknown, op: CliOperation, all: boolean): void {
    if (this.options.json) {
      this.io.stdout(`${json(data)}\n`);
      return;
    }
    const text = human(data, all ? undefined : op.page?.items);
    if (text) this.io.stdout(`${text}\n`);
    const next = !all && op.page ? (data as Record<string, unknown>)?.[op.page.next] : undefined;
    if (typeof next === 'string' && next) this.io.stderr(`More: add --cursor ${next}, or --all for every page.\n`);
  }

  /** Prints each event as it arrives; resumes after the last one when a refreshed login is needed. */
  async follow(op: CliOperation, values: Record<string, unknown>, credential: Credential, lastEventId?: string): Promise<void> {
    const signal = this.io.interrupt;
    let last = lastEventId;
    for (let refreshed = false; ; ) {
      try {
        const events = methodOf(this.client(credential), op.method)(...sdkArguments(op, values), { signal, lastEventId: last }) as unknown as AsyncIterable<Record<string, unknown>>;
        for await (const event of events) {
          refreshed = false;
          if (typeof event.id === 'string') last = event.id;
          this.io.stdout(this.options.json ? `${JSON.stringify(event)}\n` : `${eventLine(event)}\n`);
        }
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof SaaSignalError && err.status === 401 && credential.login && !refreshed)) throw this.explain(err, credential);
        const login = await refreshLogin(credential.baseUrl, credential.key);
        credential = { ...credential, login, key: login.access_token };
        refreshed = true;
      }
    }
  }

  /**
   * Asks the server whether it accepts `credential` (`auth status`, like `gh auth status`): a
   * listing of organizations, which costs nothing; refused for lack of scope (403) still proves the
   * credential valid. A stored login the server refuses is refreshed once, as for any command.
   * Throws what the user should read: the login gone, the key refused, the server unreachable.
   */
  async verify(credential: Credential): Promise<Credential> {
    const accepted = async (c: Credential) => {
      try {
        await this.client(c).core.orgs.list({ limit: 1 });
        return true;
      } catch (err) {
        if (err instanceof SaaSignalError && err.status === 403) return true;
        if (err instanceof SaaSignalError && err.status === 401 && c.login) return false;
        if (err instanceof SaaSignalError && err.status === 401) {
          throw new CliError(`The key from ${c.source} is not valid at ${c.baseUrl} (revoked, expired, or mistyped).\n401 ${err.code}${err.requestId ? ` · request id ${err.requestId}` : ''}`);
        }
        throw this.explain(err, c);
      }
    };
    if (await accepted(credential)) return credential;
    const login = await refreshLogin(credential.baseUrl, credential.key);
    const refreshed = { ...credential, login, key: login.access_token };
    if (await accepted(refreshed)) return refreshed;
    throw new CliError(loginGone(credential.baseUrl));
  }

  /** An SDK error as the CLI reports it: the envelope's message, its code, status and request id. */
  explain(err: unknown, credential: Credential): unknown {
    if (!(err instanceof SaaSignalError)) return err;
    if (err.status === 0) {
      // fetch's own message is "fetch failed"; the system's reason (ECONNREFUSED, ENOTFOUND) is in its cause.
      const cause = (err as { cause?: { cause?: { code?: string; message?: string } } }).cause?.cause;
      const reason = cause?.code ?? cause?.message ?? err.message;
      return new CliError(`Cannot reach ${credential.baseUrl} (${reason}). Is the server running? Set --base-url or SAASIGNAL_BASE_URL.`);
    }
    const lines = [err.message];
    if (err.status === 401 && credential.login) lines[0] = loginGone(credential.baseUrl);
    if (err.status === 401 && !credential.key) lines.push('Run `saasignal auth login`, or set SAASIGNAL_API_KEY.');
    if (err.status === 403 && credential.login) {
      lines.push(`Your login was granted: ${credential.login.scope || '(no scope)'}. Run \`saasignal auth login --scopes …\` to ask for more.`);
    }
    lines.push(`${err.status} ${err.code}${err.requestId ? ` · request id ${err.requestId}` : ''}`);
    return new CliError(lines.join('\n'));
  }
}

function eventLine(event: Record<string, unknown>): string {
  const at = typeof event.published_at === 'string' ? event.published_at.slice(11, 19) : '';
  return [at, event.event, JSON.stringify(event.data)].filter(Boolean).join('  ');
}
