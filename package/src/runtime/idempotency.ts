/**
 * Idempotency keys: one random key per POST, made before the first attempt and sent unchanged
 * on every retry, so that the server applies the request once however many attempts reach it.
 *
 * @module saasignal/runtime/idempotency
 */

/** A random UUID v4 (`crypto.randomUUID` where the platform has it: Node, Deno, Bun, secure pages). */
export function idempotencyKey(): string {
  const c = globalThis.crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
