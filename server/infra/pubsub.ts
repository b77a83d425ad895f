/**
 * The channels seam: publish an event to a project's channel, and subscribe to it. The
 * in-process implementation here serves one server; `redis-pubsub.ts` fans out across
 * instances. Topics are namespaced by (project, mode), so no other project ever sees an event.
 *
 * @module server/infra/pubsub
 */
import type { Schemas } from '../spec.ts';
import type { Namespace } from './kv-store.ts';

/** What a subscriber receives: the SSE `data:` payload, the document's `ChannelEvent`. */
export type ChannelEvent = Schemas['ChannelEvent'];

export type Listener = (event: ChannelEvent) => void;

export interface PubSub {
  /** Delivers to every current subscriber; returns how many there were when it was published. */
  publish(ns: Namespace, channel: string, event: ChannelEvent): Promise<number>;
  /** Resolves once the subscription is active (events published after that reach `listener`). */
  subscribe(ns: Namespace, channel: string, listener: Listener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The topic of a channel: its namespace and name (channel names never contain a space). */
export function topicOf(ns: Namespace, channel: string): string {
  return `${ns.projectId}:${ns.mode}:${channel}`;
}

/** Hands an event to each listener; one that throws does not keep it from the others. */
export function deliver(listeners: Iterable<Listener>, event: ChannelEvent): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch {
      // A subscriber's failure (e.g. its socket just broke) is its own; cleanup follows its close.
    }
  }
}

export function createMemoryPubSub(): PubSub {
  const topics = new Map<string, Set<Listener>>();
  return {
    async publish(ns, channel, event) {
      const listeners = topics.get(topicOf(ns, channel));
      if (listeners) deliver(listeners, event);
      return listeners?.size ?? 0;
    },
    async subscribe(ns, channel, listener) {
      const topic = topicOf(ns, channel);
      let set = topics.get(topic);
      if (!set) topics.set(topic, (set = new Set()));
      // Wrapped so that the same function subscribed twice counts twice.
      const entry: Listener = (event) => listener(event);
      set.add(entry);
      return async () => {
        set.delete(entry);
        if (set.size === 0 && topics.get(topic) === set) topics.delete(topic);
      };
    },
    async close() {
      topics.clear();
    },
  };
}
