/**
 * The replay window of channels: the most recent events of each channel, kept so that a client
 * that reconnects with `Last-Event-ID` gets what it missed. Bounded three ways, on every store:
 * at most {@link REPLAY_EVENTS} events per channel, none older than {@link REPLAY_MS}, and (in
 * process memory, the single-instance store) at most {@link REPLAY_MEMORY_BYTES} for all channels
 * together, the channels published to least recently losing their window first.
 * `redis-pubsub.ts` keeps the same window in Redis, shared by every instance.
 *
 * @module server/infra/replay-window
 */
import type { ChannelEvent } from './pubsub.ts';

/** Events kept per channel. */
export const REPLAY_EVENTS = 100;
/** Age past which an event is no longer replayed (5 minutes). */
export const REPLAY_MS = 5 * 60_000;
/** Memory all windows may take on one instance without Redis (64 MB). */
export const REPLAY_MEMORY_BYTES = 64 * 1024 * 1024;

/** The events to send to a client that saw `lastEventId`: those after it, or the whole window if it is gone. */
export function eventsAfter(window: readonly ChannelEvent[], lastEventId: string): ChannelEvent[] {
  const at = window.findIndex((e) => e.id === lastEventId);
  return at >= 0 ? window.slice(at + 1) : [...window];
}

/** Drops events older than the window (the list is in publish order). */
export function fresh(window: readonly ChannelEvent[], now = Date.now()): ChannelEvent[] {
  const cutoff = now - REPLAY_MS;
  const first = window.findIndex((e) => Date.parse(e.published_at) > cutoff);
  return first < 0 ? [] : window.slice(first);
}

interface Entry {
  events: { event: ChannelEvent; bytes: number }[];
  bytes: number;
}

export interface MemoryWindows {
  add(topic: string, event: ChannelEvent): void;
  recent(topic: string): ChannelEvent[];
  /** Forgets every topic whose name starts with `prefix` (a deleted project). */
  forget(prefix: string): void;
  readonly bytes: number;
}

export function memoryWindows(limits = { events: REPLAY_EVENTS, bytes: REPLAY_MEMORY_BYTES }): MemoryWindows {
  // Map order is recency of publish: a publish moves its topic to the end.
  const topics = new Map<string, Entry>();
  let total = 0;
  const drop = (topic: string) => {
    const entry = topics.get(topic);
    if (!entry) return;
    total -= entry.bytes;
    topics.delete(topic);
  };
  return {
    add(topic, event) {
      const entry = topics.get(topic) ?? { events: [], bytes: 0 };
      topics.delete(topic);
      topics.set(topic, entry);
      // Approximate size in memory: its JSON text, counted as UTF-16.
      const bytes = 2 * JSON.stringify(event).length;
      entry.events.push({ event, bytes });
      entry.bytes += bytes;
      total += bytes;
      const cutoff = Date.now() - REPLAY_MS;
      while (entry.events.length > limits.events || (entry.events.length > 0 && Date.parse(entry.events[0].event.published_at) <= cutoff)) {
        const old = entry.events.shift()!;
        entry.bytes -= old.bytes;
        total -= old.bytes;
      }
      // Over the memory budget: the least recently published channels lose their windows.
      for (const oldest of topics.keys()) {
        if (total <= limits.bytes) break;
        drop(oldest);
      }
    },
    recent(topic) {
      return fresh(topics.get(topic)?.events.map((e) => e.event) ?? []);
    },
    forget(prefix) {
      for (const topic of [...topics.keys()]) if (topic.startsWith(prefix)) drop(topic);
    },
    get bytes() {
      return total;
    },
  };
}
