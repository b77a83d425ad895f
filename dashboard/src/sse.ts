/**
 * Reads a `text/event-stream` body into events (the WHATWG rules that matter here: `event:`,
 * `data:` lines joined by newlines, `id:`, comments ignored, an empty line ends an event). The
 * channel monitor streams with fetch rather than EventSource, which cannot send the
 * Authorization header and delivers only the event types it was told to listen for.
 *
 * @module dashboard/sse
 */
export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
}

export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: SseEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let current: { event: string; data: string[]; id: string | null } = { event: 'message', data: [], id: null };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (current.data.length > 0) onEvent({ event: current.event, data: current.data.join('\n'), id: current.id });
        current = { event: 'message', data: [], id: null };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') current.event = text;
      else if (field === 'data') current.data.push(text);
      else if (field === 'id') current.id = text;
    }
  }
}
