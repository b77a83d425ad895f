/**
 * KV store conformance: the same assertions against every backend of the run's `STORE`
 * (`store:sqlite`: SQL on SQLite; `store:postgres+redis`: Redis, and SQL on PostgreSQL), so that
 * the backends behave identically. Expiry uses real one-second TTLs (Redis expires natively on
 * its own clock), with every expiry check of a test sharing one wait.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { compareKeys, type KvStore, MAX_EXPIRY_MS, type Namespace } from '../../server/infra/kv-store.ts';
import { type Backend, freshNamespace, openBackends } from './support/stores.ts';

const backends = await openBackends();
afterAll(async () => {
  for (const b of backends) await b.dispose();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const byBytes = (keys: string[]) => [...keys].sort(compareKeys);

/** Every page of a scan, following cursors. */
async function scanAll(store: KvStore, ns: Namespace, prefix: string, limit: number): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | null = null;
  do {
    const page = await store.scan(ns, { prefix, after, limit });
    pages.push(page.keys);
    after = page.last;
  } while (after !== null);
  return pages;
}

describe.each(backends)('$name', (backend: Backend) => {
  const { store } = backend;

  describe('get / set / delete', () => {
    it.each<[string, unknown]>([
      ['a string', 'world'],
      ['an empty string', ''],
      ['an integer', 42],
      ['a negative float', -3.25],
      ['zero', 0],
      ['the largest double', Number.MAX_VALUE],
      ['the smallest double', Number.MIN_VALUE],
      ['true', true],
      ['false', false],
      ['null', null],
      ['an object', { userId: 'u_123', role: 'admin', nested: { list: [1, 'two', null] } }],
      ['an array', [1, 2, { three: 3 }]],
      ['an empty object', {}],
      ['unicode text', 'héllo 中文 😀 \u2028'],
      ['a numeric string', '42'],
    ])('stores and returns %s unchanged', async (_name, value) => {
      const ns = freshNamespace();
      expect(await store.set(ns, 'k', value)).toEqual({ status: 'ok', record: { value, expiresAt: null } });
      expect(await store.get(ns, 'k')).toEqual({ value, expiresAt: null });
    });

    it('stores a value of exactly 256 KB serialized', async () => {
      const ns = freshNamespace();
      const value = 'x'.repeat(262_144 - 2);
      expect(Buffer.byteLength(JSON.stringify(value))).toBe(262_144);
      await store.set(ns, 'big', value);
      expect((await store.get(ns, 'big'))?.value).toBe(value);
    });

    it.each(['session:u_123', 'a/b%2F?#', 'with space', 'ключ', '😀'.repeat(512), '.hidden', 'x'.repeat(512)])(
      'addresses the key %j',
      async (key) => {
        const ns = freshNamespace();
        await store.set(ns, key, key.length);
        expect(await store.get(ns, key)).toEqual({ value: key.length, expiresAt: null });
        expect((await store.scan(ns, { prefix: '', after: null, limit: 10 })).keys).toEqual([key]);
        expect(await store.delete(ns, key)).toBe(true);
      },
    );

    it('answers null for a missing key and false for deleting one', async () => {
      const ns = freshNamespace();
      expect(await store.get(ns, 'nope')).toBeNull();
      expect(await store.delete(ns, 'nope')).toBe(false);
    });

    it('deletes a key once', async () => {
      const ns = freshNamespace();
      await store.set(ns, 'k', 1);
      expect(await store.delete(ns, 'k')).toBe(true);
      expect(await store.get(ns, 'k')).toBeNull();
      expect(await store.delete(ns, 'k')).toBe(false);
      expect(await backend.physicalKeys(ns)).toEqual([]);
    });

    it('overwrites the value and the expiry', async () => {
      const ns = freshNamespace();
      await store.set(ns, 'k', 'one', { ttl: 100 });
      expect(await store.set(ns, 'k', { two: 2 })).toEqual({ status: 'ok', record: { value: { two: 2 }, expiresAt: null } });
      expect(await store.get(ns, 'k')).toEqual({ value: { two: 2 }, expiresAt: null });
    });

    it('gives the expiry as now + ttl', async () => {
      const ns = freshNamespace();
      const before = Date.now();
      const result = await store.set(ns, 'k', 'v', { ttl: 60 });
      const expiresAt = result.status === 'ok' ? result.record.expiresAt! : 0;
      expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
      expect((await store.get(ns, 'k'))?.expiresAt).toBe(expiresAt);
    });

    it.each([9007199254740991, 253402300800, 1e12])('stores a ttl of %d as 9999-12-31T23:59:59.999Z', async (ttl) => {
      const ns = freshNamespace();
      expect(await store.set(ns, 'k', 'v', { ttl })).toEqual({ status: 'ok', record: { value: 'v', expiresAt: MAX_EXPIRY_MS } });
      expect(await store.get(ns, 'k')).toEqual({ value: 'v', expiresAt: MAX_EXPIRY_MS });
      expect(await store.increment(ns, 'n', 1, ttl)).toEqual({ status: 'ok', value: 1, expiresAt: MAX_EXPIRY_MS });
      expect(new Date(MAX_EXPIRY_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
    });
  });

  describe('read (size and bounded reads)', () => {
    it.each<[string, unknown]>([
      ['a string of multi-byte characters', 'héllo 中文 😀'],
      ['an object', { a: [1, 2, 3], b: 'x'.repeat(1000) }],
      ['a number', 12345.5],
    ])('gives the UTF-8 size of the stored JSON of %s', async (_name, value) => {
      const ns = freshNamespace();
      await store.set(ns, 'k', value, { ttl: 60 });
      const read = await store.read(ns, 'k');
      expect(read).toMatchObject({ value, bytes: Buffer.byteLength(JSON.stringify(value)), omitted: false });
      expect(read?.expiresAt).toBeGreaterThan(Date.now());
    });

    it('leaves out a value larger than maxBytes, with its size and expiry, and keeps one that fits', async () => {
      const ns = freshNamespace();
      const value = 'é'.repeat(100_000); // 200,002 bytes serialized, 100,002 characters
      await store.set(ns, 'big', value);
      expect(await store.read(ns, 'big', 200_001)).toEqual({ value: null, expiresAt: null, bytes: 200_002, omitted: true });
      expect(await store.read(ns, 'big', 200_002)).toEqual({ value, expiresAt: null, bytes: 200_002, omitted: false });
      expect(await store.read(ns, 'missing', 10)).toBeNull();
    });
  });

  describe('if_not_exists', () => {
    it('creates a missing key and refuses an existing one, leaving it unchanged', async () => {
      const ns = freshNamespace();
      expect((await store.set(ns, 'k', 'first', { ifNotExists: true })).status).toBe('ok');
      expect(await store.set(ns, 'k', 'second', { ifNotExists: true })).toEqual({ status: 'conflict' });
      expect(await store.get(ns, 'k')).toEqual({ value: 'first', expiresAt: null });
    });

    it('lets exactly one of 50 concurrent sets win, and keeps the winner\'s value', async () => {
      const ns = freshNamespace();
      const peer = await backend.openPeer();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 ? peer : store).set(ns, 'lock', `writer ${i}`, { ifNotExists: true })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'ok' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 'conflict')).toHaveLength(49);
      expect((await store.get(ns, 'lock'))?.value).toBe(`writer ${winners[0]}`);
    });
  });

  describe('increment', () => {
    it('creates the key at delta with the ttl, then adds and keeps that expiry', async () => {
      const ns = freshNamespace();
      const created = await store.increment(ns, 'n', 5, 3600);
      expect(created).toMatchObject({ status: 'ok', value: 5 });
      const expiresAt = created.status === 'ok' ? created.expiresAt : null;
      expect(expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
      expect(await store.increment(ns, 'n', -7, 60)).toEqual({ status: 'ok', value: -2, expiresAt });
      expect(await store.get(ns, 'n')).toEqual({ value: -2, expiresAt });
    });

    it('keeps no expiry on an existing key without one', async () => {
      const ns = freshNamespace();
      await store.set(ns, 'n', 10);
      expect(await store.increment(ns, 'n', 1, 60)).toEqual({ status: 'ok', value: 11, expiresAt: null });
    });

    it.each<[string, number, number, number]>([
      ['integers', 1, 1, 2],
      ['binary fractions exactly as JavaScript adds them', 0.1, 0.2, 0.1 + 0.2],
      ['a decrement to zero (never -0)', 3, -3, 0],
      ['-0 plus -0', -0, -0, 0],
      ['up to 2^53 - 1 exactly', 2 ** 53 - 2, 1, 2 ** 53 - 1],
      ['down to -(2^53 - 1) exactly', -(2 ** 53) + 2, -1, -(2 ** 53) + 1],
      ['tiny numbers', 5e-324, 5e-324, 1e-323],
    ])('adds %s', async (_name, start, delta, want) => {
      const ns = freshNamespace();
      await store.set(ns, 'n', start);
      const result = await store.increment(ns, 'n', delta);
      expect(result).toEqual({ status: 'ok', value: want, expiresAt: null });
      expect(Object.is((result as { value: number }).value, -0)).toBe(false);
      expect(await store.get(ns, 'n')).toEqual({ value: want, expiresAt: null });
    });

    it.each<[string, unknown]>([
      ['a numeric string', '5'],
      ['a string', 'abc'],
      ['an object', { n: 1 }],
      ['an array', [1]],
      ['null', null],
      ['true', true],
    ])('refuses %s and leaves it unchanged', async (_name, value) => {
      const ns = freshNamespace();
      await store.set(ns, 'k', value, { ttl: 3600 });
      const before = await store.get(ns, 'k');
      expect(await store.increment(ns, 'k', 1)).toEqual({ status: 'not_a_number' });
      expect(await store.get(ns, 'k')).toEqual(before);
    });

    it.each([
      [Number.MAX_VALUE, Number.MAX_VALUE],
      [-Number.MAX_VALUE, -1e308],
      // Past 2^53 integers are not exact (2^53 + 1 == 2^53): the increment would be lost silently.
      [2 ** 53 - 1, 1],
      [-(2 ** 53) + 1, -1],
      [2 ** 53 - 1, 2],
      [1e300, 1],
      [0.5, 2 ** 53],
    ])('refuses a sum outside ±(2^53 - 1) (%d + %d) and leaves the value', async (start, delta) => {
      const ns = freshNamespace();
      await store.set(ns, 'n', start);
      expect(await store.increment(ns, 'n', delta)).toEqual({ status: 'overflow' });
      expect(await store.get(ns, 'n')).toEqual({ value: start, expiresAt: null });
    });

    it('counts 2,000 concurrent increments from two connections exactly', async () => {
      const ns = freshNamespace();
      const peer = await backend.openPeer();
      const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => (i % 2 ? peer : store).increment(ns, 'hits', 1)));
      expect(results.every((r) => r.status === 'ok')).toBe(true);
      const values = results.map((r) => (r.status === 'ok' ? r.value : 0)).sort((a, b) => a - b);
      // Each increment saw a distinct total: no two read the same value.
      expect(values).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
      expect((await store.get(ns, 'hits'))?.value).toBe(2000);
    });

    it('counts increments from two processes exactly, and one of two if_not_exists sets wins', async () => {
      const ns = freshNamespace();
      const worker = () => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/store/support/increment-worker.ts'], {
          env: { ...process.env, ...backend.workerEnv, WORKER_PROJECT: ns.projectId, WORKER_KEY: 'shared', WORKER_COUNT: '500' },
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        const done = new Promise<{ ok: number; nx: string }>((resolve, reject) =>
          child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}: ${err}`)))),
        );
        return { child, done };
      };
      const workers = [worker(), worker()];
      // Both are loaded before either starts, so their increments overlap.
      await sleep(1500);
      for (const w of workers) w.child.stdin.end('go\n');
      const results = await Promise.all(workers.map((w) => w.done));
      expect(results.map((r) => r.ok)).toEqual([500, 500]);
      expect((await store.get(ns, 'shared'))?.value).toBe(1000);
      expect(results.map((r) => r.nx).sort()).toEqual(['conflict', 'ok']);
    }, 60_000);
  });

  describe('expiry', () => {
    it('makes an expired key absent everywhere and reclaims its space', async () => {
      const ns = freshNamespace();
      const other = freshNamespace();
      await Promise.all([
        store.set(ns, 'get', 'v', { ttl: 1 }),
        store.set(ns, 'delete', 'v', { ttl: 1 }),
        store.set(ns, 'nx', 'old', { ttl: 1 }),
        store.set(ns, 'count', 41, { ttl: 1 }),
        store.set(ns, 'scan', 'v', { ttl: 1 }),
        store.set(ns, 'stays', 'v', { ttl: 3600 }),
        store.set(other, 'swept', 'v', { ttl: 1 }),
      ]);
      expect(await store.get(ns, 'get')).toEqual({ value: 'v', expiresAt: expect.any(Number) });
      await sleep(1200);
      expect(await store.get(ns, 'get')).toBeNull();
      expect(await store.delete(ns, 'delete')).toBe(false);
      expect(await store.set(ns, 'nx', 'new', { ifNotExists: true })).toEqual({ status: 'ok', record: { value: 'new', expiresAt: null } });
      const counted = await store.increment(ns, 'count', 2, 3600);
      expect(counted).toMatchObject({ status: 'ok', value: 2 });
      expect((counted as { expiresAt: number }).expiresAt).toBeGreaterThan(Date.now() + 3_500_000);
      expect((await store.scan(ns, { prefix: '', after: null, limit: 100 })).keys).toEqual(['count', 'nx', 'stays']);

      expect(await backend.physicalKeys(other)).toEqual(['swept']);
      expect(await store.sweep()).toBeGreaterThanOrEqual(1);
      expect(await backend.physicalKeys(other)).toEqual([]);
      expect(byBytes(await backend.physicalKeys(ns))).toEqual(['count', 'nx', 'stays']);
    });
  });

  describe('scan', () => {
    const keys = ['user:1', 'user:2', 'user:10', 'user:', 'users', 'usea', 'a', 'é', '中', 'ﬀ', '😀', 'user:😀', 'user:\u{10FFFF}', '\u{10FFFF}\u{10FFFF}'];

    it('lists keys with the prefix in byte (code point) order', async () => {
      const ns = freshNamespace();
      await Promise.all(keys.map((k) => store.set(ns, k, 1)));
      const all = await store.scan(ns, { prefix: '', after: null, limit: 1000 });
      expect(all).toEqual({ keys: byBytes(keys), last: null });
      // Code point order, not JavaScript's UTF-16 order: U+FB00 sorts before U+1F600.
      expect(all.keys.indexOf('ﬀ')).toBeLessThan(all.keys.indexOf('😀'));
      expect((await store.scan(ns, { prefix: 'user:', after: null, limit: 1000 })).keys).toEqual(
        byBytes(['user:', 'user:1', 'user:2', 'user:10', 'user:😀', 'user:\u{10FFFF}']),
      );
      expect((await store.scan(ns, { prefix: 'user', after: null, limit: 1000 })).keys).toEqual(
        byBytes(['user:', 'user:1', 'user:2', 'user:10', 'user:😀', 'user:\u{10FFFF}', 'users']),
      );
      expect((await store.scan(ns, { prefix: '\u{10FFFF}', after: null, limit: 10 })).keys).toEqual(['\u{10FFFF}\u{10FFFF}']);
      expect((await store.scan(ns, { prefix: 'nothing', after: null, limit: 10 })).keys).toEqual([]);
    });

    it.each([1, 2, 3, 5, 13, 14, 100])('pages through every key exactly once with limit %d', async (limit) => {
      const ns = freshNamespace();
      await Promise.all(keys.map((k) => store.set(ns, k, 1)));
      const pages = await scanAll(store, ns, '', limit);
      expect(pages.flat()).toEqual(byBytes(keys));
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
      // A last page that is exactly full says so: no extra empty page.
      expect(pages.at(-1)!.length).toBeGreaterThan(0);
    });

    it('keeps its place while keys are added and removed', async () => {
      const ns = freshNamespace();
      const initial = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, '0')}`);
      await Promise.all(initial.map((k) => store.set(ns, k, 1)));
      const seen: string[] = [];
      const deleted = new Set<string>();
      let after: string | null = null;
      let round = 0;
      do {
        const page = await store.scan(ns, { prefix: 'k', after, limit: 7 });
        seen.push(...page.keys);
        after = page.last;
        // Between pages: a key behind the cursor, one ahead of it, and a deletion ahead.
        await store.set(ns, `k00-${round}`, 1);
        await store.set(ns, `k99-${round}`, 1);
        const gone = `k${String(29 - round).padStart(2, '0')}`;
        await store.delete(ns, gone);
        deleted.add(gone);
        round++;
      } while (after !== null);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(byBytes(seen));
      // Every initial key that was never deleted was seen, and so was a key added ahead.
      expect(initial.filter((k) => !deleted.has(k)).every((k) => seen.includes(k))).toBe(true);
      expect(seen).toContain('k99-0');
      expect(seen.filter((k) => k.startsWith('k00-'))).toEqual([]);
    });

    it('starts after a cursor even when that key is gone', async () => {
      const ns = freshNamespace();
      await Promise.all(['a', 'b', 'c', 'd'].map((k) => store.set(ns, k, 1)));
      const first = await store.scan(ns, { prefix: '', after: null, limit: 2 });
      expect(first).toEqual({ keys: ['a', 'b'], last: 'b' });
      await store.delete(ns, 'b');
      expect(await store.scan(ns, { prefix: '', after: first.last, limit: 2 })).toEqual({ keys: ['c', 'd'], last: null });
      expect(await store.scan(ns, { prefix: 'c', after: 'a', limit: 2 })).toEqual({ keys: ['c'], last: null });
      expect(await store.scan(ns, { prefix: 'a', after: 'zzz', limit: 2 })).toEqual({ keys: [], last: null });
    });
  });

  describe('isolation', () => {
    it('keeps projects and modes apart', async () => {
      const live = freshNamespace('live');
      const sandbox = { ...live, mode: 'test' as const };
      const other = freshNamespace('live');
      await store.set(live, 'shared', 'live');
      await store.set(sandbox, 'shared', 'test');
      await store.set(other, 'shared', 'other');
      await store.set(other, 'shared:more', 1);
      expect((await store.get(live, 'shared'))?.value).toBe('live');
      expect((await store.get(sandbox, 'shared'))?.value).toBe('test');
      expect(await store.scan(live, { prefix: '', after: null, limit: 10 })).toEqual({ keys: ['shared'], last: null });
      expect(await store.scan(sandbox, { prefix: 'sh', after: null, limit: 10 })).toEqual({ keys: ['shared'], last: null });
      expect(await store.increment(sandbox, 'shared:more', 1)).toEqual({ status: 'ok', value: 1, expiresAt: null });
      expect(await store.delete(live, 'shared:more')).toBe(false);
      expect((await store.get(other, 'shared:more'))?.value).toBe(1);
    });

    it('deletes every key of a project in both modes, and nothing else', async () => {
      const live = freshNamespace('live');
      const sandbox = { ...live, mode: 'test' as const };
      const other = freshNamespace('live');
      await Promise.all([
        ...Array.from({ length: 1200 }, (_, i) => store.set(live, `k${i}`, i, i % 2 ? { ttl: 3600 } : {})),
        store.set(sandbox, 'k1', 1),
        store.set(other, 'k1', 1),
      ]);
      await store.deleteProject(live.projectId);
      expect(await backend.physicalKeys(live)).toEqual([]);
      expect(await backend.physicalKeys(sandbox)).toEqual([]);
      expect(await store.get(live, 'k2')).toBeNull();
      expect((await store.get(other, 'k1'))?.value).toBe(1);
      // The namespace works again afterwards.
      await store.set(live, 'again', 1);
      expect((await store.scan(live, { prefix: '', after: null, limit: 10 })).keys).toEqual(['again']);
    });
  });
});
