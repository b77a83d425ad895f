/**
 * A server-sent events stream on an Express response: headers flushed at once, one event per
 * `send`, a `: keep-alive` comment on an interval (so proxies and clients keep an idle stream
 * open), and one cleanup when the client goes away or the server closes the stream.
 *
 * @module server/infra/sse
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html
 */
import type { Response } from 'express';

/** A client that has not read this much of its stream is dropped rather than buffered forever. */
const MAX_BUFFERED_BYTES = 1 << 20;

export interface EventStream {
  send(id: string, event: string, data: string): void;
  /** Ends the stream; a `reason` is sent first as a `: closed <reason>` comment (clients ignore comments). */
  close(reason?: string): void;
  readonly closed: boolean;
}

export interface EventStreamOptions {
  keepAliveMs?: number;
  /** Runs once, when the client disconnects or {@link EventStream.close} is called. */
  onClose?: () => void;
}

/** Sends the 200 and the stream headers; the response stays open until either side closes. */
export function openEventStream(res: Response, options: EventStreamOptions = {}): EventStream {
  let closed = false;
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  // nginx and similar proxies buffer responses unless told not to.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  res.write(': connected\n\n');

  const keepAlive = setInterval(() => write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
  keepAlive.unref();

  const finish = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    options.onClose?.();
  };
  res.on('close', finish);

  function write(chunk: string) {
    if (closed) return;
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      stream.close();
      return;
    }
    res.write(chunk);
  }

  const stream: EventStream = {
    send(id, event, data) {
      // `id`, `event` and JSON text never contain a newline, so each field is one line.
      write(`id: ${id}\nevent: ${event}\ndata: ${data}\n\n`);
    },
    close(reason) {
      if (closed) return;
      if (reason && res.writableLength <= MAX_BUFFERED_BYTES) res.write(`: closed ${reason.replace(/[\r\n]/g, ' ')}\n\n`);
      finish();
      res.end();
    },
    get closed() {
      return closed;
    },
  };
  return stream;
}
