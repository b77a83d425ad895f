/**
 * An EventSource for tests over node:http: opens a stream with any headers (`Last-Event-ID`),
 * records every event and comment with the instant it arrived and the instant the stream ended,
 * and waits for a condition with a deadline. Non-200 answers are read as JSON.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface ReceivedEvent {
  id?: string;
  event?: string;
  data?: string;
  at: number;
}

export class SseClient {
  events: ReceivedEvent[] = [];
  comments: string[] = [];
  /** When the server ended the stream (ms since epoch), or null while it is open. */
  endedAt: number | null = null;
  /** The JSON body of a refusal (non-200). */
  body: unknown = undefined;
  private buffer = '';
  private waiters: (() => void)[] = [];

  constructor(readonly res: IncomingMessage) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (res.statusCode !== 200) {
        this.buffer += chunk;
        return;
      }
      this.buffer += chunk;
      for (let cut = this.buffer.indexOf('\n\n'); cut >= 0; cut = this.buffer.indexOf('\n\n')) {
        this.parse(this.buffer.slice(0, cut));
        this.buffer = this.buffer.slice(cut + 2);
      }
      this.wake();
    });
    const ended = () => {
      if (this.endedAt !== null) return;
      this.endedAt = Date.now();
      if (res.statusCode !== 200 && this.buffer) this.body = JSON.parse(this.buffer);
      this.wake();
    };
    res.on('end', ended);
    res.on('close', ended);
    res.on('error', () => {});
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  private parse(block: string) {
    const event: ReceivedEvent = { at: Date.now() };
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else {
        const [, field, value] = /^(\w+): ?(.*)$/.exec(line) ?? [];
        if (field === 'id' || field === 'event' || field === 'data') event[field] = value;
      }
    }
    if (event.id !== undefined || event.data !== undefined) this.events.push(event);
  }

  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `check` holds; fails after `ms`. */
  async until(check: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; events: ${JSON.stringify(this.events)}, comments: ${JSON.stringify(this.comments)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, Math.min(left, 50));
      });
    }
  }

  /** Resolves when the stream has ended (fails after `ms`). */
  ended(ms = 8000): Promise<void> {
    return this.until(() => this.endedAt !== null, ms, 'the end of the stream');
  }

  close(): void {
    this.res.destroy();
  }
}

/** Opens `url` as an event stream (or reads its refusal). */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      const client = new SseClient(res);
      if (res.statusCode === 200) resolve(client);
      else client.ended().then(() => resolve(client), reject);
    });
    req.on('error', reject);
    req.end();
  });
}
