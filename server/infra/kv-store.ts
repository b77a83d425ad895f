/**
 * The KV seam: what every KV backend (SQL in `kv-sql-store.ts`, Redis in `kv-redis-store.ts`)
 * implements, and the rules they share so that they behave identically: expiry arithmetic,
 * value encoding, key order and the scan cursor. The conformance suite in test/store/ runs the
 * same assertions against each backend.
 *
 * Keys live in a namespace per (project, mode): test tokens see a separate sandbox.
 *
 * @module server/infra/kv-store
 */

/** Whose keys: a project, and `live` or `test` (the sandbox of sk_test_ tokens). */
export interface Namespace {
  projectId: string;
  mode: 'live' | 'test';
}

export interface KvRecord {
  value: unknown;
  /** Epoch milliseconds, or `null` for a key that never expires. */
  expiresAt: number | null;
}

/** `full`: a test-mode write that would pass the sandbox bound ({@link SandboxBound}); nothing was written. */
export type SetResult = { status: 'ok'; record: KvRecord } | { status: 'conflict' } | { status: 'full' };
export type IncrementResult =
  | { status: 'ok'; value: number; expiresAt: number | null }
  | { status: 'not_a_number' }
  | { status: 'full' }
  /** The sum would leave ±(2^53 − 1), where integers stop being exact: nothing was written. */
  | { status: 'overflow' };

export interface SetOptions {
  /** Seconds; `undefined` for no expiry. Any positive integer up to 2^53-1 is accepted. */
  ttl?: number;
  /** Fail (status `conflict`) when a live key already exists. */
  ifNotExists?: boolean;
}

export interface ScanOptions {
  prefix: string;
  /** The last key of the previous page (decoded from the cursor): the page starts after it. */
  after: string | null;
  limit: number;
}

export interface ScanPage {
  keys: string[];
  /** The last key of this page when there may be more, else `null`. */
  last: string | null;
}

/**
 * One KV backend. Every method is one atomic operation in the backend (a single SQL statement
 * or one Lua script), never a read followed by a write from JavaScript, so several server
 * processes can share the backend. An expired key is absent for every method.
 */
/**
 * A read: the record, and the size of its value as stored (JSON text, UTF-8 bytes), which prices
 * the read and bounds answers. A value larger than the read's `maxBytes` is left out (`omitted`,
 * `value` null) without being transferred.
 */
export interface KvRead extends KvRecord {
  bytes: number;
  omitted: boolean;
}

export interface KvStore {
  get(ns: Namespace, key: string): Promise<KvRecord | null>;
  /** {@link KvStore.get} with the value's size, and the value left out past `maxBytes` (default: never). */
  read(ns: Namespace, key: string, maxBytes?: number): Promise<KvRead | null>;
  /** `value` must already be checked by {@link encodeValue} (size) by the caller. */
  set(ns: Namespace, key: string, value: unknown, options?: SetOptions): Promise<SetResult>;
  /** `true` if a live key was deleted. */
  delete(ns: Namespace, key: string): Promise<boolean>;
  /** Adds `delta`; a missing key is created at `delta` with `ttl`, an existing one keeps its expiry. */
  increment(ns: Namespace, key: string, delta: number, ttl?: number): Promise<IncrementResult>;
  /** Keys starting with `prefix`, in ascending byte (= code point) order. */
  scan(ns: Namespace, options: ScanOptions): Promise<ScanPage>;
  /** Removes every key of a project, in both modes. */
  deleteProject(projectId: string): Promise<void>;
  /** Reclaims the space of expired keys; returns how many were removed. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The bound of a project's sandbox: the test-mode keys of one project (issue 13, item 9: test
 * tokens are free, so unbounded sandbox data was free storage). A store given a bound checks it
 * in the same atomic step as each test-mode write (one Lua script; on SQL a transaction that
 * holds the namespace's lock), so concurrent writers never take the sandbox past it. A write that
 * would leave more keys or more bytes than the bound, and adds a key or bytes, answers `full` and
 * writes nothing; deleting keys, or their expiry, makes room. Live mode is never bounded.
 */
export interface SandboxBound {
  /** Most keys. */
  maxKeys: number;
  /** Most bytes, over the keys: {@link entrySize}. */
  maxBytes: number;
}

/** The documented defaults: 1,000 keys and 10 MB per project (`SAASIGNAL_SANDBOX_MAX_KEYS`, `SAASIGNAL_SANDBOX_MAX_BYTES`). */
export const SANDBOX_DEFAULTS: SandboxBound = { maxKeys: 1000, maxBytes: 10_485_760 };

/** What a number takes of the sandbox bound, whatever its digits: a double. */
export const NUMBER_BYTES = 8;

/**
 * What one entry takes of the sandbox bound: the UTF-8 bytes of its key, plus those of its value's
 * JSON text ({@link NUMBER_BYTES} for a number, as every store keeps counters).
 */
export function entrySize(key: string, json: string): number {
  // Only a JSON number starts with '-' or a digit.
  return Buffer.byteLength(key) + (/^-?\d/.test(json) ? NUMBER_BYTES : Buffer.byteLength(json));
}

/** Would a write leave `after` (keys, bytes), from `before`, past `bound` while growing? */
export function overBound(bound: SandboxBound, before: { keys: number; bytes: number }, after: { keys: number; bytes: number }): boolean {
  return (after.keys > bound.maxKeys && after.keys > before.keys) || (after.bytes > bound.maxBytes && after.bytes > before.bytes);
}

/** Largest serialized value (256 KB): `Buffer.byteLength(JSON.stringify(value))`. */
export const MAX_VALUE_BYTES = 262_144;
/**
 * Most bytes one answer carries (1 MB): of values, over the gets of a batch; of keys, in a scan
 * page. Without it a batch of 100 gets of one 256 KB value built a 25 MB answer (issue 13, item 4).
 */
export const MAX_ANSWER_BYTES = 1_048_576;
/** The latest expiry stored: 9999-12-31T23:59:59.999Z. Larger TTLs are clamped to it. */
export const MAX_EXPIRY_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** When a key set now with `ttl` seconds expires (epoch ms), clamped to {@link MAX_EXPIRY_MS}. */
export function expiryFor(ttl: number | undefined, now: number): number | null {
  if (ttl === undefined) return null;
  // ttl * 1000 may exceed 2^53 (ttl up to 2^53-1): still a finite double, and min() clamps it.
  return Math.min(now + ttl * 1000, MAX_EXPIRY_MS);
}

/** ISO 8601 with milliseconds, as every timestamp the API writes. */
export function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * The stored form of a value: its JSON text, and its size in bytes. JSON semantics apply
 * (`1e400` parses as Infinity and is stored as `null`, exactly what JSON.stringify gives).
 */
export function encodeValue(value: unknown): { json: string; bytes: number } {
  const json = JSON.stringify(value) ?? 'null';
  return { json, bytes: Buffer.byteLength(json) };
}

/** `-0` is a distinct double but the same JSON number: every store answers `0`. */
export function normalizeNumber(n: number): number {
  return n === 0 ? 0 : n;
}

/**
 * The smallest string greater than every string starting with `prefix`, in code point order
 * (which is also UTF-8 byte order), or `null` when there is none. Strings with the prefix are
 * exactly those in `[prefix, prefixEnd(prefix))`, so a scan is an index range scan.
 */
export function prefixEnd(prefix: string): string | null {
  const chars = [...prefix];
  while (chars.length > 0) {
    const cp = chars.pop()!.codePointAt(0)!;
    if (cp < 0x10ffff) {
      // Surrogates are not characters: the next one after U+D7FF is U+E000.
      const next = cp + 1 >= 0xd800 && cp + 1 <= 0xdfff ? 0xe000 : cp + 1;
      return chars.join('') + String.fromCodePoint(next);
    }
  }
  return null;
}

/** Byte-order comparison, the order of every store and of scan results. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The scan cursor: base64url of the last key returned (no padding, matches `^[A-Za-z0-9_-]+$`). */
export function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

/** The key a cursor stands for, or `null` if the text is not a cursor this server made. */
export function decodeCursor(cursor: string): string | null {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  return key.length > 0 && encodeCursor(key) === cursor ? key : null;
}
