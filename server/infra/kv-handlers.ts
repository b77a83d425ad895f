/**
 * The KV operations of the document (getValue, setValue, deleteValue, incrementValue, scanKeys,
 * batchOperations) over a {@link KvStore}. Requests arrive validated against the document and
 * authenticated (see server/context.ts); answers are typed from generated/types.ts.
 *
 * @module server/infra/kv-handlers
 */
import type { Request, Response } from 'express';
import type { Handlers, Locals } from '../context.ts';
import { sizePrice } from '../billing/meter.ts';
import { ApiError } from '../errors.ts';
import type { RequestChecks } from '../http/request-checks.ts';
import type { Schemas } from '../spec.ts';
import {
  decodeCursor,
  encodeCursor,
  encodeValue,
  isoOrNull,
  type KvRecord,
  type KvStore,
  MAX_ANSWER_BYTES,
  MAX_VALUE_BYTES,
  type Namespace,
  type SandboxBound,
  type ScanPage,
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

/**
 * Charges the size of a value read (`x-price-microtokens-per-64kb`); false when the balance
 * cannot pay, and then the value must not be sent.
 */
async function payForSize(res: Res, bytes: number): Promise<boolean> {
  const meter = res.locals.meter;
  return !meter || (await meter.add(sizePrice(bytes, meter.pricePer64KB)));
}

/** A scan page cut at {@link MAX_ANSWER_BYTES} of keys; the cursor then resumes after its last key. */
function boundPage(page: ScanPage): ScanPage {
  let bytes = 0;
  const fit = page.keys.findIndex((key) => (bytes += Buffer.byteLength(key)) > MAX_ANSWER_BYTES);
  if (fit === -1) return page;
  const keys = page.keys.slice(0, Math.max(1, fit));
  return { keys, last: keys[keys.length - 1] };
}

/** 409 SANDBOX_FULL: a test-mode write past the project's sandbox bound (nothing was written). */
const sandboxFull = (key: string, bound: SandboxBound | undefined) =>
  new ApiError(
    'SANDBOX_FULL',
    `Writing ${JSON.stringify(key)} would take this project's sandbox (its test-mode keys) past its bound` +
      (bound ? ` of ${bound.maxKeys} keys and ${bound.maxBytes} bytes of keys and values` : '') +
      '; nothing was written. Delete test-mode keys (expired ones count no more) to make room; live mode has no such bound.',
  );

const unsafe = (message: string) => new ApiError('NOT_A_SAFE_INTEGER', message);
const notFound = (key: string) => new ApiError('NOT_FOUND', `No key named ${JSON.stringify(key)} in this project.`);
const keyOf = (req: Request) => String(req.params.key);

/**
 * What the KV operations refuse from the request alone, before any work or charge (see
 * server/http/request-checks.ts).
 */
export const kvChecks: RequestChecks = {
  setValue(req) {
    checkSize((req.body as Schemas['SetValueRequest']).value, 'The value');
  },
  incrementValue(req) {
    const delta = (req.body as Schemas['IncrementRequest'] | undefined)?.delta ?? 1;
    // Counters stay within ±(2^53 − 1): past it, 2^53 + 1 == 2^53 and increments are lost.
    // (JSON admits 1e400, which parses to Infinity: refused here as well.)
    if (!(Math.abs(delta) <= Number.MAX_SAFE_INTEGER)) throw unsafe(`\`delta\` (${delta}) is outside ±${Number.MAX_SAFE_INTEGER}.`);
  },
  scanKeys(req) {
    const { cursor } = req.query as { cursor?: string };
    if (cursor !== undefined && decodeCursor(String(cursor)) === null) {
      throw new ApiError('INVALID_REQUEST', 'This cursor was not issued by a scan; pass the `next_cursor` of a previous page.', {
        details: [{ path: '/query/cursor', message: 'not a cursor issued by this API' }],
      });
    }
  },
  batchOperations(req) {
    // Every size is checked before anything runs: a batch is refused whole, never half applied.
    (req.body as Schemas['BatchRequest']).ops.forEach((op, i) => {
      if (op.op === 'set') checkSize(op.value, `The value of op ${i} (${JSON.stringify(op.key)})`);
    });
  },
};

/** `sandbox`: the bound the store applies to test-mode writes, for the message of SANDBOX_FULL. */
export function kvHandlers(store: KvStore, options: { sandbox?: SandboxBound } = {}): Handlers {
  return {
    async getValue(req, res) {
      const key = keyOf(req);
      const record = await store.read(namespaceOf(res), key);
      if (!record) throw notFound(key);
      if (!(await payForSize(res, record.bytes))) {
        throw new ApiError('INSUFFICIENT_TOKENS', `The value is ${record.bytes} bytes and the organization's balance cannot pay for its size. Top it up to continue.`);
      }
      res.json(entry(key, record));
    },

    async setValue(req, res) {
      const key = keyOf(req);
      const body = req.body as Schemas['SetValueRequest'];
      const result = await store.set(namespaceOf(res), key, body.value, { ttl: body.ttl, ifNotExists: body.if_not_exists === true });
      if (result.status === 'conflict') throw new ApiError('KEY_EXISTS', `The key ${JSON.stringify(key)} already exists (if_not_exists was set).`);
      if (result.status === 'full') throw sandboxFull(key, options.sandbox);
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
      const result = await store.increment(namespaceOf(res), key, delta, body.ttl);
      if (result.status === 'not_a_number') {
        throw new ApiError('NOT_A_NUMBER', `The value of ${JSON.stringify(key)} is not a number, so it cannot be incremented.`);
      }
      if (result.status === 'full') throw sandboxFull(key, options.sandbox);
      if (result.status === 'overflow') {
        throw unsafe(`Adding ${delta} to ${JSON.stringify(key)} would leave ±${Number.MAX_SAFE_INTEGER}, where integers are no longer exact; nothing was changed.`);
      }
      res.json({ key, value: result.value, expires_at: isoOrNull(result.expiresAt) } satisfies Schemas['KvCounter']);
    },

    async scanKeys(req, res) {
      const query = req.query as { prefix?: string; cursor?: string; limit?: string | number };
      const after = query.cursor === undefined ? null : decodeCursor(String(query.cursor));
      const limit = query.limit === undefined ? 100 : Number(query.limit);
      const page = boundPage(await store.scan(namespaceOf(res), { prefix: String(query.prefix ?? ''), after, limit }));
      res.json({ keys: page.keys, next_cursor: page.last === null ? null : encodeCursor(page.last) } satisfies Schemas['ScanResult']);
    },

    async batchOperations(req, res) {
      const { ops } = req.body as Schemas['BatchRequest'];
      const ns = namespaceOf(res);
      const results: Schemas['BatchOpResult'][] = [];
      // What the gets may still return: a value past it is left in the store, never read into memory.
      let budget = MAX_ANSWER_BYTES;
      for (const op of ops) {
        const none = { op: op.op, key: op.key, value: null, expires_at: null };
        if (op.op === 'get') {
          const record = await store.read(ns, op.key, budget);
          if (!record) results.push({ ...none, status: 'not_found' });
          else if (record.omitted || !(await payForSize(res, record.bytes))) results.push({ ...none, status: 'omitted' });
          else {
            budget -= record.bytes;
            results.push({ ...entry(op.key, record), op: 'get', status: 'ok' });
          }
        } else if (op.op === 'set') {
          const result = await store.set(ns, op.key, op.value, { ttl: op.ttl, ifNotExists: op.if_not_exists === true });
          if (result.status === 'ok') results.push({ ...entry(op.key, result.record), op: 'set', status: 'ok' });
          // A full sandbox refuses this op alone, as a conflict does: the batch is not a transaction.
          else results.push({ ...none, status: result.status === 'full' ? 'sandbox_full' : 'conflict' });
        } else {
          results.push({ ...none, status: (await store.delete(ns, op.key)) ? 'ok' : 'not_found' });
        }
      }
      res.json({ results } satisfies Schemas['BatchResult']);
    },
  };
}
