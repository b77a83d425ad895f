/**
 * The server's view of generated/openapi.json: per operation, its method and path, the
 * credential kinds it accepts, the scope it requires and its price. Everything here is read
 * from the document's extensions (see spec/registry.ts), never restated.
 *
 * @module server/spec
 */
import { readFileSync } from 'node:fs';
import type { components, operations } from '../generated/types.ts';

export type OperationId = keyof operations;
export type ErrorCode = components['schemas']['Error']['error']['code'];
export type Schemas = components['schemas'];
export type CredentialKind = 'session' | 'apiKey' | 'browser' | 'browserQuery' | 'oauth';

export interface OperationInfo {
  operationId: OperationId;
  method: string;
  /** OpenAPI path, e.g. `/infra/kv/{key}`. */
  path: string;
  /** Express path, e.g. `/infra/kv/:key`. */
  expressPath: string;
  credentials: CredentialKind[];
  scope: string | null;
  scopeByOp: Record<string, string> | null;
  price: number | null;
  priceByOp: Record<string, number> | null;
  /** Takes an `Idempotency-Key` (`x-idempotent`, every authenticated POST). */
  idempotent: boolean;
  /** Answers with a `text/event-stream` (admitted and supervised as a stream). */
  stream: boolean;
  /** μt per minute an open stream stays connected (`x-price-microtokens-per-minute`). */
  pricePerMinute: number | null;
  /** μt per further started 64 KB of a value read, past its first 64 KB (`x-price-microtokens-per-64kb`). */
  pricePer64KB: number | null;
  /** Passes the rate limiters; `false` for the probes (`x-rate-limited: false`, spec/health.ts). */
  rateLimited: boolean;
}

export const documentPath = new URL('../generated/openapi.json', import.meta.url);
// biome-ignore lint: the document is JSON of a known shape; only the extensions below are read.
export const document: any = JSON.parse(readFileSync(documentPath, 'utf8'));

export const operationsById: ReadonlyMap<OperationId, OperationInfo> = new Map(
  Object.entries<any>(document.paths).flatMap(([path, item]) =>
    Object.entries<any>(item).map(([method, op]) => [
      op.operationId as OperationId,
      {
        operationId: op.operationId,
        method,
        path,
        expressPath: path.replace(/\{(\w+)\}/g, ':$1'),
        credentials: op['x-credentials'] ?? [],
        scope: op['x-scope'] ?? null,
        scopeByOp: op['x-scope-by-op'] ?? null,
        price: op['x-price-microtokens'] ?? null,
        priceByOp: op['x-price-microtokens-by-op'] ?? null,
        idempotent: op['x-idempotent'] === true,
        stream: op.responses?.['200']?.content?.['text/event-stream'] !== undefined,
        pricePerMinute: op['x-price-microtokens-per-minute'] ?? null,
        pricePer64KB: op['x-price-microtokens-per-64kb'] ?? null,
        rateLimited: op['x-rate-limited'] !== false,
      } satisfies OperationInfo,
    ]),
  ),
);

/** HTTP status of each error code, from the Error schema's `x-status-by-code`. */
export const statusByCode: Readonly<Record<ErrorCode, number>> = document.components.schemas.Error['x-status-by-code'];
