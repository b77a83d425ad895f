/**
 * The channel operations: `publishEvent` hands an event to the {@link PubSub}; `subscribeChannel`
 * streams the channel's events as server-sent events until the client leaves.
 *
 * @module server/infra/channel-handlers
 */
import type { Request } from 'express';
import type { Handlers } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Schemas } from '../spec.ts';
import { namespaceOf } from './kv-handlers.ts';
import type { ChannelEvent, PubSub } from './pubsub.ts';
import { type EventStream, openEventStream } from './sse.ts';
import { ulid } from '../ids.ts';

/** Largest serialized `data` of an event (64 KB). */
export const MAX_EVENT_BYTES = 65_536;

export interface ChannelHandlers {
  handlers: Handlers;
  /** Ends every open stream (the server is shutting down). */
  closeStreams(): void;
}

export function channelHandlers(pubsub: PubSub, options: { keepAliveMs?: number } = {}): ChannelHandlers {
  const open = new Set<EventStream>();
  const channelOf = (req: Request) => String(req.params.channel);

  return {
    closeStreams() {
      for (const stream of open) stream.close();
    },
    handlers: {
      async publishEvent(req, res) {
        const channel = channelOf(req);
        const body = req.body as Schemas['PublishRequest'];
        const data = body.data === undefined ? null : body.data;
        const text = JSON.stringify(data);
        const bytes = Buffer.byteLength(text);
        if (bytes > MAX_EVENT_BYTES) {
          throw new ApiError('PAYLOAD_TOO_LARGE', `The event data is ${bytes} bytes serialized; the limit is ${MAX_EVENT_BYTES} bytes (64 KB).`);
        }
        const event: ChannelEvent = { id: `evt_${ulid()}`, event: body.event, data: JSON.parse(text), published_at: new Date().toISOString() };
        const delivered = await pubsub.publish(namespaceOf(res), channel, event);
        res.json({ id: event.id, channel, event: event.event, delivered, published_at: event.published_at } satisfies Schemas['PublishResult']);
      },

      async subscribeChannel(req, res) {
        const ns = namespaceOf(res);
        // Subscribe first: a failure (Redis down) is still an ordinary error response, and once
        // the client has its 200 every later publish reaches it. Events in between are queued.
        let stream: EventStream | null = null;
        const pending: ChannelEvent[] = [];
        const deliver = (e: ChannelEvent) => stream!.send(e.id, e.event, JSON.stringify(e));
        const unsubscribe = await pubsub.subscribe(ns, channelOf(req), (e) => (stream ? deliver(e) : pending.push(e)));
        if (res.destroyed || req.socket.destroyed) {
          await unsubscribe();
          return;
        }
        const opened = openEventStream(res, {
          keepAliveMs: options.keepAliveMs,
          onClose: () => {
            open.delete(opened);
            unsubscribe().catch(() => {});
          },
        });
        stream = opened;
        open.add(opened);
        for (const e of pending.splice(0)) deliver(e);
      },
    },
  };
}
