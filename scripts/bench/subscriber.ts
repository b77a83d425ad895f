/**
 * One live subscriber during the publish scenario, so a publish does the fan-out work it does in
 * production (an event written to an open SSE stream), not just a lookup of an empty channel.
 *
 * @module scripts/bench/subscriber
 */

export interface Subscriber {
  /** Events received so far. */
  events(): number;
  close(): Promise<void>;
}

export async function subscribe(base: string, channel: string, secret: string): Promise<Subscriber> {
  const abort = new AbortController();
  const res = await fetch(`${base}/infra/channels/${channel}/subscribe`, {
    headers: { authorization: `Bearer ${secret}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (!res.ok || !res.body) throw new Error(`subscribe ${channel}: ${res.status} ${await res.text()}`);
  let count = 0;
  let tail = '';
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const reading = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        // Events are separated by a blank line and each carries an `id:` field.
        const text = tail + value;
        const lines = text.split('\n');
        tail = lines.pop() ?? '';
        for (const line of lines) if (line.startsWith('id:')) count++;
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    events: () => count,
    async close() {
      abort.abort();
      await reading;
    },
  };
}
