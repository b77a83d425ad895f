/**
 * Channels: publish events to a project's channel; subscribe with server-sent events.
 *
 * @module spec/channels
 */
import { errors, jsonBody, meteredHeaders, ok, Timestamp } from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

export const ChannelName = registry.register(
  'ChannelName',
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[A-Za-z0-9_:-]+(?:\.[A-Za-z0-9_:-]+)*$/)
    .openapi({ description: 'Channel name: letters, digits, `_`, `-`, `:` and single dots between them (1–128 chars).', example: 'my-channel' }),
);

const EventName = z.string().min(1).max(128).regex(/^[A-Za-z0-9_:.-]+$/);

export const PublishRequest = registry.register(
  'PublishRequest',
  z
    .strictObject({
      event: EventName.openapi({ description: 'Event name, sent as the SSE `event:` field.', example: 'ping' }),
      data: z.any().openapi({ description: 'Any JSON payload (max 64 KB serialized). Default `null`.', example: { hello: 'world' } }),
    })
    .openapi({ example: { event: 'ping', data: { hello: 'world' } } }),
);

export const EventId = registry.register(
  'EventId',
  z
    .string()
    .max(64)
    .regex(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/)
    .openapi({ description: 'Event ID (`evt_` followed by a ULID), also sent as the SSE `id:` field.', example: 'evt_01JNXSF1G2H3J4K5M6N7P8Q9RS' }),
);

/**
 * One event of a channel, as a subscriber receives it: the JSON of each SSE `data:` line. Named,
 * so that generated clients type their events (the stream's `itemSchema` points here).
 */
export const ChannelEvent = registry.register(
  'ChannelEvent',
  z
    .object({
      id: EventId,
      event: EventName.openapi({ description: 'The event name given to publish (also the SSE `event:` field).', example: 'ping' }),
      data: z.any().nonoptional().openapi({ description: 'The JSON payload given to publish (`null` when none was).', example: { hello: 'world' } }),
      published_at: Timestamp,
    })
    .openapi({
      description: 'An event delivered to subscribers: the JSON text of an SSE `data:` line.',
      example: { id: 'evt_01JNXSF1G2H3J4K5M6N7P8Q9RS', event: 'ping', data: { hello: 'world' }, published_at: '2026-03-10T13:15:00.000Z' },
    }),
);

export const PublishResult = registry.register(
  'PublishResult',
  z
    .object({
      id: EventId,
      channel: ChannelName,
      event: EventName.openapi({ example: 'ping' }),
      delivered: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ format: 'int64', description: 'Subscribers connected when it was published.', example: 1 }),
      published_at: Timestamp,
    })
    .openapi({
      example: { id: 'evt_01JNXSF1G2H3J4K5M6N7P8Q9RS', channel: 'my-channel', event: 'ping', delivered: 1, published_at: '2026-03-10T13:15:00.000Z' },
    }),
);

const channelPath = z.object({ channel: ChannelName });
const tags = ['Channels'];

defineOperation({
  method: 'post',
  path: '/infra/channels/{channel}/publish',
  operationId: 'publishEvent',
  tags,
  summary: 'Publish an event',
  description: "Publish an event to every current subscriber of the project's channel. Other projects never see it.",
  credentials: ['apiKey', 'browser'],
  scope: 'channels:publish',
  price: 3,
  request: { params: channelPath, body: jsonBody(PublishRequest) },
  responses: { 200: ok(PublishResult, 'Published.', meteredHeaders), ...errors(401, 402, 403, 413, 415, 429) },
  sdk: { method: 'infra.channels.publish', args: ['path:channel', 'body'], cli: { command: 'channels publish', args: ['channel', 'event'] } },
});

defineOperation({
  method: 'get',
  path: '/infra/channels/{channel}/subscribe',
  operationId: 'subscribeChannel',
  tags,
  summary: 'Subscribe to a channel',
  description:
    'A `text/event-stream` of the events published to the channel from now on. Each event has an `id:`, an `event:` and ' +
    'a JSON `data:` line with `{ id, event, data, published_at }`; a comment line `: keep-alive` comes every 15 s. ' +
    'Browsers pass a browser token as `?token=bt_…`, since EventSource cannot set headers. ' +
    'A reconnect with `Last-Event-ID` first receives the events published after that id that are still in the ' +
    "channel's replay window (the last 100 events, up to 5 minutes old). " +
    'The stream ends (after a `: closed <reason>` comment) when its credential is revoked or expires, its project or ' +
    'organization is deleted, its maximum lifetime (1 hour by default) is reached, or the balance cannot pay the next ' +
    'minute; concurrent streams are capped per token, project and organization (429 `TOO_MANY_STREAMS`). ' +
    'See the Streams guide.',
  credentials: ['apiKey', 'browser', 'browserQuery'],
  scope: 'channels:subscribe',
  price: 5,
  pricePerMinute: 2,
  request: {
    params: channelPath,
    query: z.object({ token: z.string().max(4096).optional().openapi({ description: 'A browser token (`bt_…`).', example: 'bt_eyJhbGciOi…' }) }),
    headers: z.object({
      'Last-Event-ID': z
        .string()
        .max(128)
        // Visible ASCII: the event ids this API sends (`evt_…`) and anything a header can carry sanely.
        .regex(/^[\x21-\x7e]+$/)
        .optional()
        .openapi({
          description:
            'The `id` of the last event received, sent by EventSource when it reconnects: the stream starts with the events ' +
            "published after it that are still in the channel's replay window (the whole window if that id is no longer in it).",
          example: 'evt_01JNXSF1G2H3J4K5M6N7P8Q9RS',
        }),
    }),
  },
  responses: {
    200: {
      description:
        'The event stream (`text/event-stream`). Each event is framed as `id: <event id>`, `event: <name>` and one ' +
        '`data:` line holding the event as JSON, described by the `ChannelEvent` schema; comment lines (`: connected`, ' +
        '`: keep-alive`) carry no event. Example:\n\n```\nid: evt_01JNXSF1G2H3J4K5M6N7P8Q9RS\nevent: ping\n' +
        'data: {"id":"evt_01JNXSF1G2H3J4K5M6N7P8Q9RS","event":"ping","data":{"hello":"world"},"published_at":"2026-03-10T13:15:00.000Z"}\n```',
      headers: meteredHeaders,
      content: {
        // For `text/event-stream`, the schema is that of one event: the JSON of each `data:` line.
        // This is how OpenAPI 3.1 generators type SSE (hey-api, Speakeasy); OpenAPI 3.2 names it
        // `itemSchema`, which 3.1 validators refuse. The framing is in the description.
        'text/event-stream': {
          schema: {
            $ref: '#/components/schemas/ChannelEvent',
          },
        },
      },
    },
    ...errors(401, 402, 403, 429),
  },
  sdk: { method: 'infra.channels.subscribe', args: ['path:channel'], cli: { command: 'channels subscribe' } },
});
