/**
 * The KV operations of the document (getValue, setValue, deleteValue, incrementValue, scanKeys,
 * batchOperations) over a {@link KvStore}. Requests arrive validated against the document and
 * authenticated (see server/context.ts); answers are typed from generated/types.ts.
 *
 * @module server/infra/kv-handlers
 */
import type { Request, Response } from 'express';
import type { Handlers, Locals } from '../context.ts';
import { ApiError } from '../errors.ts';
import type { Schemas } from '../spec.ts';
import {
  decodeCursor,
  encodeCursor,
  encodeValue,
  isoOrNull,
  type KvRecord,
  type KvStore,
  MAX_VALUE_BYTES,
  type Namespace,
} from './kv-store.ts';

type Res = Response<unknown, Locals>;

/** The caller's namespace: its project, and the sandbox for test-mode credentials. */
export function namespaceOf(res: Res): Namespace {
  const { projectId, mode } = res.locals.auth;
  // Authentication only lets project-bound credentials reach these routes; this is the backstop.
  if (!projectId) throw new ApiError('FORBIDDEN', 'This operation needs a project token (or a browser token made from one).');
  return { projectId, mode };
}

function checkSize(value: unknown, where: string): void {
  const { bytes } = encodeValue(value);
  if (bytes > MAX_VALUE_BYTES) {
    throw new ApiError('PAYLOAD_TOO_LARGE', `${where} is ${bytes} bytes serialized; the limit is ${MAX_VALUE_BYTES} bytes (256 KB).`);
  }
}

function entry(key: string, record: KvRecord): Schemas['KvEntry'] {
  return { key, value: record.value, expires_at: isoOrNull(record.expiresAt) };
}

const unsafe = (message: string) => new ApiError('NOT_A_SAFE_INTEGER', message);
const notFound = (key: string) => new ApiError('NOT_FOUND', `No key named ${JSON.stringify(key)} in this project.`);
const keyOf = (req: Request) => String(req.params.key);

export function kvHandlers(store: KvStore): Handlers {
  return {
    async getValue(req, res) {
      const key = keyOf(req);
      const record = await store.get(namespaceOf(res), key);
      if (!record) throw notFound(key);
      res.json(entry(key, record));
    },

    async setValue(req, res) {
      const key = keyOf(req);
      const body = req.body as Schemas['SetValueRequest'];
      checkSize(body.value, 'The value');
      const result = await store.set(namespaceOf(res), key, body.value, { ttl: body.ttl, ifNotExists: body.if_not_exists === true });
      if (result.status === 'conflict') throw new ApiError('KEY_EXISTS', `The key ${JSON.stringify(key)} already exists (if_not_exists was set).`);
      res.json(entry(key, result.record));
    },

    async deleteValue(req, res) {
      const key = keyOf(req);
      if (!(await store.delete(namespaceOf(res), key))) throw notFound(key);
      res.json({ key, deleted: true } satisfies Schemas['KvDeleted']);
    },

    async incrementValue(req, res) {
      const key = keyOf(req);
      const body = (req.body ?? {}) as Schemas['IncrementRequest'];
      const delta = body.delta ?? 1;
      // Counters stay within ±(2^53 − 1): past it, 2^53 + 1 == 2^53 and increments are lost.
      // (JSON admits 1e400, which parses to Infinity: refused here as well.)
      if (!(Math.abs(delta) <= Number.MAX_SAFE_INTEGER)) throw unsafe(`\`delta\` (${delta}) is outside ±${Number.MAX_SAFE_INTEGER}.`);
      const result = await store.increment(namespaceOf(res), key, delta, body.ttl);
      if (result.status === 'not_a_number') {
        throw new ApiError('NOT_A_NUMBER', `The value of ${JSON.stringify(key)} is not a number, so it cannot be incremented.`);
      }
      if (result.status === 'overflow') {
        throw unsafe(`Adding ${delta} to ${JSON.stringify(key)} would leave ±${Number.MAX_SAFE_INTEGER}, where integers are no longer exact; nothing was changed.`);
      }
      res.json({ key, value: result.value, expires_at: isoOrNull(result.expiresAt) } satisfies Schemas['KvCounter']);
    },

    async scanKeys(req, res) {
      const query = req.query as { prefix?: string; cursor?: string; limit?: string | number };
      const after = query.cursor === undefined ? null : decodeCursor(String(query.cursor));
      if (after === null && query.cursor !== undefined) {
        throw new ApiError('INVALID_REQUEST', 'This cursor was not issued by a scan; pass the `next_cursor` of a previous page.', {
          details: [{ path: '/query/cursor', message: 'not a cursor issued by this API' }],
        });
      }
      const limit = query.limit === undefined ? 100 : Number(query.limit);
      const page = await store.scan(namespaceOf(res), { prefix: String(query.prefix ?? ''), after, limit });
      res.json({ keys: page.keys, next_cursor: page.last === null ? null : encodeCursor(page.last) } satisfies Schemas['ScanResult']);
    },

    async batchOperations(req, res) {
      const { ops } = req.body as Schemas['BatchRequest'];
      const ns = namespaceOf(res);
      // Every size is checked before anything runs: a batch is refused whole, never half applied.
      ops.forEach((op, i) => {
        if (op.op === 'set') checkSize(op.value, `The value of op ${i} (${JSON.stringify(op.key)})`);
      });
      const results: Schemas['BatchOpResult'][] = [];
      for (const op of ops) {
        const none = { op: op.op, key: op.key, value: null, expires_at: null };
        if (op.op === 'get') {
          const record = await store.get(ns, op.key);
          results.push(record ? { ...entry(op.key, record), op: 'get', status: 'ok' } : { ...none, status: 'not_found' });
        } else if (op.op === 'set') {
          const result = await store.set(ns, op.key, op.value, { ttl: op.ttl, ifNotExists: op.if_not_exists === true });
          results.push(result.status === 'ok' ? { ...entry(op.key, result.record), op: 'set', status: 'ok' } : { ...none, status: 'conflict' });
        } else {
          results.push({ ...none, status: (await store.delete(ns, op.key)) ? 'ok' : 'not_found' });
        }
      }
      res.json({ results } satisfies Schemas['BatchResult']);
    },
  };
}
