/**
 * A small HTTP client for suites that talk to a listening server (in-process or a child process):
 * one call, the answer's status, parsed body and headers. An event stream is not read: its
 * headers are the answer, and the connection is closed at once.
 */
import type { ApiRequest } from './valid-request.ts';

export interface Answer {
  status: number;
  // biome-ignore lint: bodies are checked by the suites against the document's shapes.
  body: any;
  headers: Headers;
  contentType: string;
}

export interface CallOptions {
  /** `Authorization: Bearer <token>`. */
  token?: string | null;
  headers?: Record<string, string>;
  /** Sent as JSON when defined. */
  body?: unknown;
  query?: Record<string, string>;
  timeoutMs?: number;
}

export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const url = new URL(base + path);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), options.timeoutMs ?? 15_000);
  try {
    const res = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: abort.signal,
    });
    const contentType = res.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      abort.abort();
      return { status: res.status, body: null, headers: res.headers, contentType };
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: the suites assert on the content type and see the text.
    }
    return { status: res.status, body, headers: res.headers, contentType };
  } finally {
    clearTimeout(timer);
  }
}

/** Sends a request built by `buildRequest`. */
export function send(base: string, req: ApiRequest, options: Omit<CallOptions, 'body' | 'query'> = {}): Promise<Answer> {
  return call(base, req.method, req.path, { ...options, body: req.body, query: req.query });
}
