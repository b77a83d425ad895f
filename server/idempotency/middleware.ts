/**
 * Idempotency keys on every operation the document marks `x-idempotent` (authenticated POSTs):
 *
 * - the first request with a key runs, and its answer (status, headers, body) is kept 24 hours;
 * - a repeat with the same key and the same request replays that answer with
 *   `Idempotent-Replayed: true`; it runs nothing and is not charged (`X-Microtokens-Used: 0`);
 * - the same key with a different request (operation, path, query or body) is a 422;
 * - a repeat while the first is still running is a 409.
 *
 * Keys are scoped to the credential's organization, project and mode (a session without an
 * organization: to its user), so two tenants never see each other's keys. It runs after
 * authorization, so an unauthorized request never touches a key, and before metering, so a
 * replay is never charged. Answers that say "try again" are not kept (5xx, 402 balance spent,
 * 429): the key is freed and a retry runs anew.
 *
 * @module server/idempotency/middleware
 * @see spec/idempotency.ts, spec/guides/idempotency.md
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { AuthContext, Locals } from '../context.ts';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';
import type { OperationInfo } from '../spec.ts';
import { rowId, seal, unseal } from './seal.ts';
import { idempotencyStore } from './store.ts';

export const KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Headers that describe this exchange rather than the answer: a replay gets fresh ones. */
const NOT_REPLAYED = new Set([
  'x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after', 'date', 'connection', 'keep-alive',
  'transfer-encoding', 'content-length', 'x-microtokens-used', 'idempotent-replayed',
]);

const SWEEP_INTERVAL_MS = 10 * 60_000;

interface Answer {
  headers: Record<string, string | string[]>;
  /** base64 of the body bytes. */
  body: string;
}

/** Whether an answer is final: the ones that invite a retry free the key instead. */
export function keepsAnswer(status: number): boolean {
  return status < 500 && status !== 402 && status !== 429;
}

/** The tenant a key belongs to. */
export function scopeOf(auth: AuthContext): string {
  const owner = auth.orgId ? `org:${auth.orgId}` : `user:${auth.userId}`;
  return `${owner}/project:${auth.projectId ?? '*'}/${auth.mode}`;
}

/** What "the same request" means: operation, path with query, and body. */
export function fingerprintOf(op: OperationInfo, req: Request): string {
  return createHash('sha256')
    .update(`${op.operationId} ${req.originalUrl}\n`)
    .update(JSON.stringify(req.body ?? null))
    .digest('base64url');
}

function toBuffer(chunk: unknown, encoding?: BufferEncoding): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk);
  return Buffer.from(String(chunk), encoding);
}

export interface Idempotency {
  /** The middleware of one operation (a no-op for operations that are not idempotent). */
  middleware(op: OperationInfo): (req: Request, res: Response<unknown, Locals>, next: NextFunction) => Promise<void>;
  close(): void;
}

export function idempotency(db: Db, log: (message: string, fields: Record<string, unknown>) => void): Idempotency {
  const store = idempotencyStore(db);
  const sweep = setInterval(() => store.sweep().catch(() => {}), SWEEP_INTERVAL_MS);
  sweep.unref();

  function replay(op: OperationInfo, res: Response<unknown, Locals>, status: number, answer: Answer): void {
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    // The first answer's charge is not repeated.
    if (op.price !== null || op.priceByOp !== null) res.setHeader('X-Microtokens-Used', '0');
    res.setHeader(REPLAYED_HEADER, 'true');
    const body = Buffer.from(answer.body, 'base64');
    res.setHeader('Content-Length', body.length);
    res.status(status).end(body);
  }

  /** Wraps `res` so that the answer is recorded before it leaves. */
  function record(res: Response<unknown, Locals>, id: string, key: string, scope: string): void {
    const chunks: Buffer[] = [];
    const { write, end } = res;
    res.write = function (this: Response, chunk: unknown, ...rest: unknown[]) {
      if (chunk != null) chunks.push(toBuffer(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined));
      return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
    } as typeof res.write;
    res.end = function (this: Response, ...args: unknown[]) {
      const [chunk, encoding] = args;
      if (chunk != null && typeof chunk !== 'function') chunks.push(toBuffer(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined));
      res.write = write;
      res.end = end;
      const status = res.statusCode;
      const settle = keepsAnswer(status)
        ? store.complete(id, status, seal(JSON.stringify(answerOf(res, chunks)), key, scope))
        : store.release(id);
      // The answer leaves once it is recorded: a retry that arrives right after it sees it.
      settle
        .catch((err: unknown) => log('idempotency key not recorded', { request_id: res.locals.requestId, error: err instanceof Error ? err.message : String(err) }))
        .finally(() => (end as (...a: unknown[]) => unknown).apply(res, args));
      return res;
    } as typeof res.end;
  }

  function answerOf(res: Response, chunks: Buffer[]): Answer {
    const headers: Answer['headers'] = {};
    for (const [name, value] of Object.entries(res.getHeaders())) {
      if (value === undefined || NOT_REPLAYED.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.map(String) : String(value);
    }
    return { headers, body: Buffer.concat(chunks).toString('base64') };
  }

  return {
    close: () => clearInterval(sweep),
    middleware(op) {
      return async (req, res, next) => {
        const key = req.get(KEY_HEADER);
        if (!op.idempotent || key === undefined || !res.locals.auth) return next();
        const scope = scopeOf(res.locals.auth);
        const id = rowId(scope, key);
        const claim = await store.claim(id, fingerprintOf(op, req));
        switch (claim.kind) {
          case 'run':
            record(res, id, key, scope);
            return next();
          case 'mismatch':
            throw new ApiError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for a different request. Use a new key for each new request.');
          case 'running':
            throw new ApiError('IDEMPOTENCY_KEY_IN_USE', 'The first request with this Idempotency-Key is still running. Retry shortly to get its answer.', {
              headers: { 'Retry-After': '1' },
            });
          case 'done': {
            const plain = unseal(claim.answer, key, scope);
            // Only a row of another (scope, key) could fail to open, and the id hashes both: a corrupt row.
            if (plain === null) throw new Error('idempotency: a stored answer could not be opened');
            replay(op, res, claim.status, JSON.parse(plain) as Answer);
            return;
          }
        }
      };
    },
  };
}
