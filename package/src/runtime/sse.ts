/**
 * Parsing a `text/event-stream` body into its events (and keep-alive comments, which show that
 * the connection is alive).
 *
 * @module saasignal/runtime/sse
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */

export interface RawEvent {
  /** A comment line (`: keep-alive`) and nothing else. */
  comment?: true;
  id?: string;
  event?: string;
  data?: string;
  /** The reconnection delay the server asks for, in ms. */
  retry?: number;
}

function parseBlock(block: string): RawEvent {
  const ev: RawEvent = {};
  let sawField = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    if (!line) continue;
    sawField = true;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'data') ev.data = ev.data === undefined ? value : `${ev.data}\n${value}`;
    else if (field === 'id' && !value.includes('\0')) ev.id = value;
    else if (field === 'event') ev.event = value;
    else if (field === 'retry' && /^\d+$/.test(value)) ev.retry = Number(value);
  }
  if (!sawField) ev.comment = true;
  return ev;
}

/** Yields each event of the stream; cancels the body when the consumer stops early. */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<RawEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let done = false;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) {
        done = true;
        return;
      }
      buf += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        yield parseBlock(block);
      }
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}
