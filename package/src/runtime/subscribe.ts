/**
 * A subscription as an async iterator of events that survives dropped connections: it
 * reconnects with `Last-Event-ID` (the server replays what was missed, within its replay
 * window) and gives up only after several reconnections in a row that received nothing.
 *
 * @module saasignal/runtime/subscribe
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#the-last-event-id-header
 */
import { APIConnectionError } from './errors.ts';
import { backoffMs, sleep } from './retry.ts';
import type { Prepared, Settings } from './request.ts';
import { send } from './request.ts';
import { readEvents } from './sse.ts';

/** Reconnections in a row that received nothing (no event, no keep-alive) before giving up. */
export const MAX_IDLE_RECONNECTS = 5;

/** Opens the stream, yields each event's parsed `data:` line, and reconnects where it left off. */
export async function* subscribe<Event>(req: Prepared, s: Settings, lastEventId?: string): AsyncGenerator<Event> {
  let lastId = lastEventId;
  let retryMs: number | undefined;
  for (let idle = 0; ; idle++) {
    const headers = lastId ? { ...req.headers, 'Last-Event-ID': lastId } : req.headers;
    const { data, response, release } = await send({ ...req, headers, stream: true }, s);
    // 204: the server asks the client not to reconnect (as EventSource does).
    if (response.status === 204 || !data) return release();
    try {
      for await (const raw of readEvents(data as ReadableStream<Uint8Array>)) {
        idle = -1;
        if (raw.retry !== undefined) retryMs = raw.retry;
        if (raw.id !== undefined) lastId = raw.id || undefined;
        if (raw.data !== undefined) yield JSON.parse(raw.data) as Event;
      }
      s.log?.debug(`subscription ended by the server; reconnecting after ${lastId ?? 'the start'}`);
    } catch (err) {
      if (s.signal?.aborted) throw s.signal.reason ?? err;
      if (err instanceof SyntaxError) throw err;
      s.log?.debug(`subscription dropped (${(err as Error)?.message}); reconnecting after ${lastId ?? 'the start'}`);
    } finally {
      release();
    }
    if (idle + 1 >= MAX_IDLE_RECONNECTS) throw new APIConnectionError(`The subscription dropped ${MAX_IDLE_RECONNECTS} times in a row with nothing received.`);
    await sleep(retryMs ?? backoffMs(Math.max(0, idle)), s.signal);
  }
}
