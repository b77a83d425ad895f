/**
 * The channel operations: `publishEvent` hands an event to the {@link PubSub}; `subscribeChannel`
 * streams the channel's events as server-sent events until the client leaves or the stream's
 * supervisor (server/streams/supervisor.ts) ends it. A reconnect with `Last-Event-ID` first gets
 * the events of the channel's replay window published after that id (replay-window.ts).
 *
 * @module server/infra/channel-handlers
 */
import type { Request } from 'express';
import type { Handlers } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { RequestChecks } from '../http/request-checks.ts';
import type { Schemas } from '../spec.ts';
import { namespaceOf } from './kv-handlers.ts';
import type { ChannelEvent, PubSub } from './pubsub.ts';
import { eventsAfter } from './replay-window.ts';
import { type EventStream, openEventStream } from './sse.ts';
import { ulid } from '../ids.ts';
import type { StreamGuard } from '../streams/guard.ts';

/** Largest serialized `data` of an event (64 KB). */
export const MAX_EVENT_BYTES = 65_536;

/** The event's data as sent to subscribers (`null` when absent). */
const eventText = (body: Schemas['PublishRequest']) => JSON.stringify(body.data === undefined ? null : body.data);

/** What the channel operations refuse from the request alone (see server/http/request-checks.ts). */
export const channelChecks: RequestChecks = {
  publishEvent(req) {
    const bytes = Buffer.byteLength(eventText(req.body as Schemas['PublishRequest']));
    if (bytes > MAX_EVENT_BYTES) {
      throw new ApiError('PAYLOAD_TOO_LARGE', `The event data is ${bytes} bytes serialized; the limit is ${MAX_EVENT_BYTES} bytes (64 KB).`);
    }
  },
};

export interface ChannelHandlers {
  handlers: Handlers;
  /** Ends every open stream (the server is shutting down). */
  closeStreams(): void;
}

export interface ChannelOptions {
  keepAliveMs?: number;
  /**
   * Checks each stream's credential, lifetime and charges (the app always gives one). Without it
   * events go straight to the stream: the infra layer alone, under a test harness.
   */
  guard?: StreamGuard;
}

export function channelHandlers(pubsub: PubSub, options: ChannelOptions = {}): ChannelHandlers {
  const open = new Set<EventStream>();
  const channelOf = (req: Request) => String(req.params.channel);

  return {
    closeStreams() {
      for (const stream of open) stream.close('server shutting down; reconnect');
    },
    handlers: {
      async publishEvent(req, res) {
        const channel = channelOf(req);
        const body = req.body as Schemas['PublishRequest'];
        const text = eventText(body);
        const event: ChannelEvent = { id: `evt_${ulid()}`, event: body.event, data: JSON.parse(text), published_at: new Date().toISOString() };
        const delivered = await pubsub.publish(namespaceOf(res), channel, event);
        res.json({ id: event.id, channel, event: event.event, delivered, published_at: event.published_at } satisfies Schemas['PublishResult']);
      },

      async subscribeChannel(req, res) {
        const ns = namespaceOf(res);
        const channel = channelOf(req);
        // Subscribe first: a failure (Redis down) is still an ordinary error response, and once
        // the client has its 200 every later publish reaches it. Events in between are queued.
        let push: ((e: ChannelEvent) => void) | null = null;
        const pending: ChannelEvent[] = [];
        const unsubscribe = await pubsub.subscribe(ns, channel, (e) => (push ? push(e) : pending.push(e)));
        let replay: ChannelEvent[] = [];
        const lastEventId = req.get('last-event-id');
        try {
          if (lastEventId !== undefined) replay = eventsAfter(await pubsub.recent(ns, channel), lastEventId);
        } catch (err) {
          await unsubscribe();
          throw err;
        }
        if (res.destroyed || req.socket.destroyed) {
          await unsubscribe();
          return;
        }
        let stop = () => {};
        const stream = openEventStream(res, {
          keepAliveMs: options.keepAliveMs,
          onClose: () => {
            open.delete(stream);
            stop();
            unsubscribe().catch(() => {});
          },
        });
        open.add(stream);
        const send = (e: ChannelEvent) => stream.send(e.id, e.event, JSON.stringify(e));
        if (options.guard) {
          const watched = options.guard.watch(res, { send, close: (reason) => stream.close(reason) });
          push = watched.push;
          stop = watched.stop;
        } else {
          push = send;
        }
        // The replay, then what arrived meanwhile, each event once (a replayed one may also be pending).
        const replayed = new Set(replay.map((e) => e.id));
        for (const e of replay) push(e);
        for (const e of pending.splice(0)) if (!replayed.has(e.id)) push(e);
      },
    },
  };
}
