/**
 * Stored logins: one per API base URL, in `$XDG_CONFIG_HOME/saasignal/auth.json` (else
 * `~/.config/saasignal/auth.json`), readable by the user alone (file 0600, folder 0700), written
 * by rename so that a reader never sees half a file. A lock file serializes refreshes: the
 * refresh token rotates on every use, and two processes refreshing with the same one would
 * make the server revoke the whole session.
 *
 * @module saasignal/cli/store
 */
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** One login, as the token endpoint gave it (RFC 6749 §5.1), with where to refresh and revoke it. */
export interface Login {
  access_token: string;
  refresh_token?: string;
  /** Milliseconds since the epoch; absent when the server gave no `expires_in`. */
  expires_at?: number;
  scope: string;
  org_id?: string;
  project_id?: string;
  client_id: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  /** How it was obtained: `browser` (authorization code + PKCE) or `device`. */
  flow: 'browser' | 'device';
  created_at: string;
}

interface AuthFile {
  version: 1;
  logins: Record<string, Login>;
}

/** The folder of the CLI's settings (XDG Base Directory: a relative XDG_CONFIG_HOME is ignored). */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.config'), 'saasignal');
}

export const authFile = (env?: NodeJS.ProcessEnv) => join(configDir(env), 'auth.json');

/** Logins are keyed by the API's origin and path, without a trailing slash. */
export const loginKey = (baseUrl: string) => baseUrl.replace(/\/+$/, '');

async function readAll(): Promise<AuthFile> {
  try {
    const parsed = JSON.parse(await readFile(authFile(), 'utf8'));
    if (parsed?.version === 1 && parsed.logins && typeof parsed.logins === 'object') return parsed;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read ${authFile()}: ${(err as Error).message}`);
  }
  return { version: 1, logins: {} };
}

async function writeAll(file: AuthFile): Promise<void> {
  const path = authFile();
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  if (Object.keys(file.logins).length === 0) {
    await rm(path, { force: true });
    return;
  }
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'w' });
  await rename(tmp, path);
}

export async function getLogin(baseUrl: string): Promise<Login | undefined> {
  return (await readAll()).logins[loginKey(baseUrl)];
}

export async function saveLogin(baseUrl: string, login: Login): Promise<void> {
  const file = await readAll();
  file.logins[loginKey(baseUrl)] = login;
  await writeAll(file);
}

export async function deleteLogin(baseUrl: string): Promise<boolean> {
  const file = await readAll();
  if (!file.logins[loginKey(baseUrl)]) return false;
  delete file.logins[loginKey(baseUrl)];
  await writeAll(file);
  return true;
}

/** A lock older than this is from a process that died holding it. */
const STALE_LOCK_MS = 30_000;

/** Runs `fn` while holding the store's lock (an exclusively created file), waiting up to 15 s for it. */
export async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(configDir(), { recursive: true, mode: 0o700 });
  const lock = `${authFile()}.lock`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > STALE_LOCK_MS) await rm(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`${lock} is held by another saasignal process; remove it if none is running.`);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}
