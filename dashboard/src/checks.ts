/**
 * Checks input against the document's own constraints (picked by vite.config.ts) before sending,
 * so a bad key or TTL is explained at once instead of after a 400. The server checks again.
 *
 * @module dashboard/checks
 */
import { maxValueBytes, ttlMax } from 'virtual:saasignal-document';

interface StringRule {
  minLength: number;
  maxLength: number;
  pattern: string | null;
  not: string | null;
}

const compiled = new Map<string, RegExp>();
/** The document's patterns are ECMA-262 with `\x` escapes: JavaScript reads them as written (unicode mode, as the validator does). */
const regex = (pattern: string) => compiled.get(pattern) ?? compiled.set(pattern, new RegExp(pattern, 'u')).get(pattern)!;

/** Why `value` breaks `rule`, in words, or null when it is fine. */
export function checkString(rule: StringRule, value: string, what: string): string | null {
  const length = [...value].length;
  if (length < rule.minLength) return `${what} must be at least ${rule.minLength} character${rule.minLength === 1 ? '' : 's'}.`;
  if (length > rule.maxLength) return `${what} must be at most ${rule.maxLength} characters.`;
  if (rule.not !== null && value === rule.not) return `${what} cannot be "${rule.not}".`;
  if (rule.pattern !== null && !regex(rule.pattern).test(value)) return `${what} has a character or sequence that is not allowed (pattern ${rule.pattern}).`;
  return null;
}

/** A TTL typed in a form: empty is none; otherwise an integer in (0, ttlMax]. */
export function checkTtl(text: string): { ttl?: number; problem: string | null } {
  if (text.trim() === '') return { problem: null };
  const ttl = Number(text);
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > ttlMax) return { problem: `TTL must be a whole number of seconds, above 0 and at most ${ttlMax}.` };
  return { ttl, problem: null };
}

/** A JSON value typed in a form, parsed and measured as the server measures it (UTF-8 bytes serialized). */
export function checkJsonValue(text: string): { value?: unknown; problem: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `The value is not valid JSON: ${(err as Error).message}` };
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes > maxValueBytes) return { problem: `The value is ${bytes} bytes serialized; at most ${maxValueBytes} (256 KB) are allowed.` };
  return { value, problem: null };
}
