/**
 * A start-up failure a user can fix: one line that says what failed, the setting and value
 * involved (passwords masked) and the likely fix. `server/main.ts` prints it alone and exits 1;
 * any other error is a bug and keeps its stack.
 *
 * @module server/startup/setup-error
 */
export class SetupError extends Error {
  override name = 'SetupError';
}

/** `scheme://user:***@host/…`: the URL with its password (if any) masked, for messages and logs. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
  }
}

/** A system error's reason in words (`EACCES` → permission denied), else its first line. */
export function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EEXIST: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder',
    ENOSPC: 'no space left on the device',
    ECONNREFUSED: 'connection refused',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'host name lookup failed',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    ECONNRESET: 'connection reset',
  };
  const code = e?.code && words[e.code] ? `${words[e.code]} (${e.code})` : undefined;
  return code ?? String(e?.message ?? err).split('\n')[0];
}

/**
 * Ends a command that could not do `action` (`start`, `migrate`, …): a SetupError as its one
 * line, anything else (a bug) with its stack; exit status 1 either way.
 */
export function exitWith(action: string, err: unknown): never {
  if (err instanceof SetupError) console.error(`saasignal: cannot ${action}: ${err.message}`);
  else console.error(`saasignal: cannot ${action}:`, err);
  process.exit(1);
}
