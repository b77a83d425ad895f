/**
 * Idempotency keys: the `Idempotency-Key` request header every authenticated POST declares
 * (`x-idempotent: true`, see `isIdempotent` in spec/registry.ts), and the `Idempotent-Replayed`
 * header a replayed answer carries. The server side is server/idempotency/; the Idempotency guide
 * (spec/guides/idempotency.md) explains the rules.
 *
 * @module spec/idempotency
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 */
import { registry } from './registry.ts';

/** How long the server remembers a key and its answer. */
export const IDEMPOTENCY_TTL_HOURS = 24;
/** Printable ASCII without spaces, 1–255 characters: a UUID fits, and so does any client's own scheme. */
export const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7E]{1,255}$';

registry.registerComponent('parameters', 'IdempotencyKey', {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    `A key of your choice (a UUID v4 is best) that makes this POST safe to retry. For ${IDEMPOTENCY_TTL_HOURS} hours, within the ` +
    "credential's organization and project, a repeat with the same key and the same request replays the first answer " +
    '(status, body and headers, with `Idempotent-Replayed: true`) without running or charging it again; the same key with a ' +
    'different request is a 422 `IDEMPOTENCY_KEY_REUSED`, and a repeat while the first is still running is a 409 ' +
    '`IDEMPOTENCY_KEY_IN_USE`. The SDK sends one on every POST.',
  schema: { type: 'string', minLength: 1, maxLength: 255, pattern: IDEMPOTENCY_KEY_PATTERN, example: '6f1c8a52-58d4-4c3e-9a4b-2f0d7e1c9b3a' },
  example: '6f1c8a52-58d4-4c3e-9a4b-2f0d7e1c9b3a',
});

registry.registerComponent('headers', 'Idempotent-Replayed', {
  description:
    '`true` when this answer is the replay of an earlier request with the same `Idempotency-Key`: nothing ran and nothing was ' +
    'charged again (`X-Microtokens-Used: 0`). Absent on a first answer.',
  schema: { type: 'string', enum: ['true'], example: 'true' },
});
