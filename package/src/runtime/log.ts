/**
 * Debug logging (`SAASIGNAL_LOG=debug` or the `logLevel` option): one line per attempt, retry
 * and reconnection. It never prints a secret: credential headers and `token` query values are
 * masked, and no request or response body is logged (bodies carry passwords and new secrets).
 *
 * @module saasignal/runtime/log
 */

export type LogLevel = 'debug' | 'off';

/** Where debug lines go; `console` by default. */
export interface Logger {
  debug(message: string, details?: Record<string, unknown>): void;
}

const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'x-api-key', 'proxy-authorization']);
const SECRET_VALUE = /\b(?:sk|bt)_[A-Za-z0-9_.\-~+/=]+/g;

/** A URL with the values of credential-like query parameters masked. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|api_key|key|secret)=)[^&#]*/gi, '$1***').replace(SECRET_VALUE, '***');
}

/** Headers as a plain object, with credentials masked. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([k, v]) => [k, SECRET_HEADERS.has(k.toLowerCase()) ? '***' : v.replace(SECRET_VALUE, '***')]),
  );
}

/** The logger in force, or undefined when logging is off (the default). */
export function resolveLogger(level: LogLevel | undefined, logger: Logger | undefined, env: (name: string) => string | undefined): Logger | undefined {
  const wanted = level ?? (env('SAASIGNAL_LOG')?.toLowerCase() === 'debug' ? 'debug' : 'off');
  if (wanted !== 'debug') return undefined;
  // stderr in Node (diagnostics stay out of a program's output), the console in browsers.
  return logger ?? { debug: (message, details) => console.error(`[saasignal] ${message}`, details ?? '') };
}
