/**
 * Plain HTTP against a listening server, the way curl or a browser talks to it: JSON calls, and
 * reading a server-sent events stream until an event arrives.
 */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: any;
}

export async function call(base: string, method: string, path: string, options: { token?: string; body?: unknown } = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * Opens an event stream; `next()` resolves with the next event (comments skipped), `close()` ends
 * it. Resolves once the response headers arrived, so a publish after it is delivered.
 */
export async function subscribe(url: string, token?: string): Promise<{ status: number; contentType: string | null; next(): Promise<SseEvent>; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {}, signal: abort.signal });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon === 0) continue;
            const field = line.slice(0, colon) as keyof SseEvent;
            if (field === 'id' || field === 'event' || field === 'data') event[field] = line.slice(colon + 1).replace(/^ /, '');
          }
          if (Object.keys(event).length > 0) return event;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the event stream ended');
        buffer += value;
      }
    },
    close: () => abort.abort(),
  };
}
