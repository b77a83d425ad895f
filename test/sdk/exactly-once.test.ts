/**
 * The SDK and the server together through a fault-injecting proxy: each of 1,000 increments whose
 * first answer is lost is applied exactly once (the SDK's Idempotency-Key, reused on the retry,
 * and the server's replay of the first answer).
 */
import { describe, expect, it } from 'vitest';
import { proxiedServer } from './support/proxied-server.ts';

const srv = proxiedServer();

describe('exactly once', () => {
  it('1,000 increments whose first answer is lost are each applied once', async () => {
    const lost = new Set<string>();
    const ss = await srv.through((req) => {
      const k = String(req.headers['idempotency-key'] ?? '');
      if (req.method !== 'POST' || !k || lost.has(k)) return 'pass';
      lost.add(k);
      return 'lose-answer';
    });
    const values: number[] = [];
    for (let batch = 0; batch < 1000 / 50; batch++) {
      const got = await Promise.all(Array.from({ length: 50 }, () => ss.infra.kv.increment('once')));
      values.push(...got.map((r) => r.value));
    }
    expect(lost.size).toBe(1000);
    expect(srv.proxy?.seen).toHaveLength(2000);
    // Each call saw the answer of its own first application: 1..1000, none twice.
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    await expect(srv.direct.infra.kv.get('once')).resolves.toMatchObject({ value: 1000 });
  }, 300_000);
});
