/**
 * KV: a key-value store namespaced per project (and per mode: test tokens see a sandbox).
 *
 * @module spec/kv
 */
import { errors, jsonBody, Key, meteredHeaders, ok, orNull, PREFIX_PATTERN, Timestamp, Ttl } from './common.ts';
import { defineOperation, registry, z } from './registry.ts';

/** Largest serialized value, in bytes (256 KB). */
export const MAX_VALUE_BYTES = 262144;

const JsonValue = z.any().nonoptional().openapi({
  description: 'Any JSON value (object, array, string, number, boolean or null), at most 256 KB serialized (413 beyond).',
  example: { userId: 'u_123', role: 'admin' },
});

export const KvEntry = registry.register(
  'KvEntry',
  z
    .object({
      key: Key,
      value: JsonValue,
      expires_at: orNull(Timestamp).openapi({ description: 'When the key expires; `null` if it never does.' }),
    })
    .openapi({ example: { key: 'session:u_123', value: { userId: 'u_123', role: 'admin' }, expires_at: '2026-03-05T00:00:00.000Z' } }),
);

export const KvCounter = registry.register(
  'KvCounter',
  z
    .object({
      key: Key,
      value: z.number().openapi({ description: 'The value after the increment.', example: 42 }),
      expires_at: orNull(Timestamp),
    })
    .openapi({ example: { key: 'ratelimit:u_123', value: 42, expires_at: '2026-03-05T00:01:00.000Z' } }),
);

export const KvDeleted = registry.register(
  'KvDeleted',
  z.object({ key: Key, deleted: z.literal(true) }).openapi({ example: { key: 'session:u_123', deleted: true } }),
);

const IfNotExists = z.boolean().default(false).openapi({ description: 'If `true`, fail with 409 `KEY_EXISTS` when the key already exists.', example: false });
/**
 * The same flag without a schema default, for batch ops: a default inside one branch of the
 * `oneOf` is written into the op while the validator tries that branch, so a `delete` op came
 * out with `if_not_exists: false` and failed its own (strict) branch.
 */
const BatchIfNotExists = z.boolean().optional().openapi({
  description: 'If `true`, this op answers `conflict` (and writes nothing) when the key already exists. Default `false`.',
  example: false,
});

/**
 * The scan cursor: base64url of the last key of the page. A key is at most 512 characters of up
 * to 4 UTF-8 bytes each (2048 bytes), which is 2731 base64url characters, beyond the 1024 of the
 * shared `Cursor`.
 */
export const KvCursor = registry.register(
  'KvCursor',
  z.string().min(1).max(2731).regex(/^[A-Za-z0-9_-]+$/).openapi({
    description: 'Opaque scan cursor from a previous `next_cursor` (at most 2731 characters).',
    example: 'c2Vzc2lvbjp1XzEyMw',
  }),
);

export const SetValueRequest = registry.register(
  'SetValueRequest',
  z
    .strictObject({ value: JsonValue, ttl: Ttl.optional(), if_not_exists: IfNotExists })
    .openapi({ example: { value: { userId: 'u_123', role: 'admin' }, ttl: 86400 } }),
);

export const IncrementRequest = registry.register(
  'IncrementRequest',
  z
    .strictObject({
      delta: z.number().default(1).openapi({ description: 'Amount to add (negative to decrement). Default 1.', example: 1 }),
      ttl: Ttl.optional().openapi({ description: 'Time-to-live in seconds, applied only when the increment creates the key.' }),
    })
    .openapi({ example: { delta: 1, ttl: 60 } }),
);

export const ScanResult = registry.register(
  'ScanResult',
  z
    .object({
      keys: z.array(Key).max(1000).openapi({
        description:
          'Key names (not values) in ascending Unicode code point order, which is also UTF-8 byte order. A page ends early, ' +
          'with a `next_cursor`, when its keys reach 1 MB (UTF-8).',
      }),
      next_cursor: orNull(KvCursor).openapi({ description: 'Pass as `cursor` to get the next page; `null` on the last page.' }),
    })
    .openapi({ example: { keys: ['session:u_123', 'session:u_456'], next_cursor: null } }),
);

const BatchGet = registry.register(
  'BatchGetOp',
  z.strictObject({ op: z.literal('get'), key: Key }).openapi({ example: { op: 'get', key: 'config:flags' } }),
);
const BatchSet = registry.register(
  'BatchSetOp',
  z
    .strictObject({ op: z.literal('set'), key: Key, value: JsonValue, ttl: Ttl.optional(), if_not_exists: BatchIfNotExists })
    .openapi({ example: { op: 'set', key: 'session:new', value: { userId: 'u_456' }, ttl: 3600 } }),
);
const BatchDelete = registry.register(
  'BatchDeleteOp',
  z.strictObject({ op: z.literal('delete'), key: Key }).openapi({ example: { op: 'delete', key: 'session:old' } }),
);
export const BatchOp = registry.register('BatchOp', z.discriminatedUnion('op', [BatchGet, BatchSet, BatchDelete]));

export const BatchRequest = registry.register(
  'BatchRequest',
  z
    .strictObject({ ops: z.array(BatchOp).max(100).openapi({ description: 'Operations, run in order (max 100). An empty list is a free no-op (200 with `results: []`, 0 μt, even on a spent balance); it needs `kv:read`.' }) })
    .openapi({
      example: {
        ops: [
          { op: 'get', key: 'config:flags' },
          { op: 'set', key: 'session:new', value: { userId: 'u_456' }, ttl: 3600 },
          { op: 'delete', key: 'session:old' },
        ],
      },
    }),
);

export const BatchResult = registry.register(
  'BatchResult',
  z
    .object({
      results: z.array(
        z
          .object({
            op: z.enum(['get', 'set', 'delete']),
            key: Key,
            status: z.enum(['ok', 'not_found', 'conflict', 'omitted', 'sandbox_full']).openapi({
              description:
                '`ok`; `not_found` for a get or delete of a missing key; `conflict` for an `if_not_exists` set of an existing key; ' +
                '`sandbox_full` for a set in test mode that would take the project\'s sandbox past its bound (nothing written for it; see `SANDBOX_FULL`); ' +
                '`omitted` for a get whose value was left out (`value` is `null`) because the values of the answer would have ' +
                'passed 1 MB, or the balance could not pay for its size: get that key on its own.',
            }),
            value: z.any().openapi({ description: 'The value (get, set); `null` otherwise.' }),
            expires_at: orNull(Timestamp),
          })
          .openapi('BatchOpResult', {
            example: { op: 'get', key: 'config:flags', value: { dark_mode: true }, status: 'ok', expires_at: null },
          }),
      ).max(100),
    })
    .openapi({
      example: {
        results: [
          { op: 'get', key: 'config:flags', value: { dark_mode: true }, status: 'ok', expires_at: null },
          { op: 'set', key: 'session:new', value: { userId: 'u_456' }, status: 'ok', expires_at: '2026-03-10T14:15:00.000Z' },
          { op: 'delete', key: 'session:old', value: null, status: 'ok', expires_at: null },
        ],
      },
    }),
);

const keyPath = z.object({ key: Key });
const tags = ['KV'];
const kvErrors = (...extra: Parameters<typeof errors>) => errors(401, 402, 403, 429, ...extra);

defineOperation({
  method: 'get',
  path: '/infra/kv/{key}',
  operationId: 'getValue',
  tags,
  summary: 'Get a value',
  description:
    'Retrieve the value and expiry of one key. An expired key is never returned. A value over 64 KB costs more by its size ' +
    '(see the price below); when the balance cannot pay for the size, the answer is a 402 without the value.',
  credentials: ['apiKey', 'browser'],
  scope: 'kv:read',
  price: 1,
  pricePer64KB: 1,
  request: { params: keyPath },
  responses: { 200: ok(KvEntry, 'The entry.', meteredHeaders), ...kvErrors(404) },
  sdk: { method: 'infra.kv.get', args: ['path:key'], cli: { command: 'kv get' } },
});

defineOperation({
  method: 'put',
  path: '/infra/kv/{key}',
  operationId: 'setValue',
  tags,
  summary: 'Set a value',
  description:
    'Create or overwrite a key. Key max 512 chars; value max 256 KB serialized (413 beyond). In test mode a project\'s keys are ' +
    'bounded (by default 1,000 keys and 10 MB of keys and values): a set that would pass the bound is a 409 `SANDBOX_FULL` and writes nothing.',
  credentials: ['apiKey'],
  scope: 'kv:write',
  price: 2,
  request: { params: keyPath, body: jsonBody(SetValueRequest) },
  responses: { 200: ok(KvEntry, 'The stored entry.', meteredHeaders), ...kvErrors(409, 413, 415) },
  sdk: { method: 'infra.kv.set', args: ['path:key', 'body:value', 'body'], cli: { command: 'kv set' } },
});

defineOperation({
  method: 'delete',
  path: '/infra/kv/{key}',
  operationId: 'deleteValue',
  tags,
  summary: 'Delete a value',
  description: 'Remove a key and its value. 404 if it does not exist (or has expired).',
  credentials: ['apiKey'],
  scope: 'kv:write',
  price: 1,
  request: { params: keyPath },
  responses: { 200: ok(KvDeleted, 'The key is gone.', meteredHeaders), ...kvErrors(404) },
  sdk: { method: 'infra.kv.delete', args: ['path:key'], cli: { command: 'kv delete' } },
});

defineOperation({
  method: 'post',
  path: '/infra/kv/{key}/increment',
  operationId: 'incrementValue',
  tags,
  summary: 'Increment a value',
  description:
    'Atomically add `delta` to a numeric value. A missing key is created at `delta` (with `ttl`, if given). ' +
    'A value that is not a number is a 409 `NOT_A_NUMBER`. A `delta` or a result outside ±9007199254740991 (2^53 − 1), ' +
    'where numbers can no longer count by one, is a 409 `NOT_A_SAFE_INTEGER`; either way nothing changes. ' +
    'An existing key keeps its expiry. In test mode, creating a key counts against the sandbox bound (409 `SANDBOX_FULL` past it).',
  credentials: ['apiKey'],
  scope: 'kv:write',
  price: 2,
  request: { params: keyPath, body: jsonBody(IncrementRequest, false) },
  responses: { 200: ok(KvCounter, 'The new value.', meteredHeaders), ...kvErrors(409, 413, 415) },
  sdk: { method: 'infra.kv.increment', args: ['path:key', 'body'], cli: { command: 'kv incr' } },
});

defineOperation({
  method: 'get',
  path: '/infra/kv',
  operationId: 'scanKeys',
  tags,
  summary: 'Scan keys',
  description:
    'Scan key names by prefix, in ascending code point order, a page at a time. The cursor marks a position after the ' +
    'last key returned, so paging neither repeats nor skips keys while others are added or deleted (keys added behind ' +
    'the cursor are not seen). A `cursor` this API did not issue is a 400. Expired keys are never listed.',
  credentials: ['apiKey', 'browser'],
  scope: 'kv:read',
  price: 5,
  request: {
    query: z.object({
      prefix: z
        .string()
        .max(512)
        .regex(PREFIX_PATTERN)
        .optional()
        .openapi({
          description:
            'Key prefix to filter by (max 512 chars). Default: all keys. The query is RFC 3986, not an HTML form: `:` and `/` ' +
            'may be sent unencoded, a raw `+` is a plus sign (a space is `%20`), and `&`, `#` and `%` must be sent as `%26`, ' +
            '`%23` and `%25` (a raw `&` starts another parameter, a raw `#` the fragment, which clients never send; a `%` not ' +
            'followed by two hex digits, or bytes that are not UTF-8, are a 400). `encodeURIComponent` is always right.',
          example: 'session:',
          // `?prefix=session:` is how people type it (curl); without this the validator refuses the `:`.
          // `?prefix=` is the empty prefix the pattern allows (all keys).
          param: { allowReserved: true, allowEmptyValue: true },
        }),
      cursor: KvCursor.optional(),
      limit: z.number().int().min(1).max(1000).default(100).openapi({ format: 'int32', description: 'Max keys per page (1–1000, default 100).', example: 50 }),
    }),
  },
  responses: { 200: ok(ScanResult, 'A page of keys.', meteredHeaders), ...kvErrors() },
  sdk: { method: 'infra.kv.scan', args: ['query'], cli: { command: 'kv scan' } },
});

defineOperation({
  method: 'post',
  path: '/infra/kv',
  operationId: 'batchOperations',
  tags,
  summary: 'Batch operations',
  description:
    'Run up to 100 get/set/delete operations in order, with one result per op. Each op is charged on its own and is ' +
    'atomic on its own; the batch is not a transaction. A `set` whose value is over 256 KB refuses the whole batch ' +
    'with 413 before any op runs. The values the gets return add up to at most 1 MB: a get whose value would pass that ' +
    'bound, or whose size the balance cannot pay for, answers `omitted` without its value (the other ops still run), so ' +
    'one answer never carries more than what the client can be charged for. In test mode a `set` that would take the ' +
    'project\'s sandbox past its bound answers `sandbox_full` and writes nothing; the other ops still run.',
  credentials: ['apiKey'],
  scopeByOp: { get: 'kv:read', set: 'kv:write', delete: 'kv:write' },
  priceByOp: { get: 1, set: 2, delete: 1 },
  pricePer64KB: 1,
  request: { body: jsonBody(BatchRequest) },
  responses: { 200: ok(BatchResult, 'One result per op, in order.', meteredHeaders), ...kvErrors(413, 415) },
  sdk: { method: 'infra.kv.batch', args: ['body:ops'], cli: { command: 'kv batch' } },
});
