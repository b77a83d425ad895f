/**
 * Errors of the OAuth protocol endpoints, answered as RFC 6749 §5.2 `{error, error_description}`
 * rather than the API's envelope: OAuth client libraries read that shape (spec/oauth.ts).
 *
 * @module server/oauth/errors
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
import type { Request } from 'express';
import type { Schemas } from '../spec.ts';

export type OAuthErrorCode = Schemas['OAuthError']['error'];

export class OAuthError extends Error {
  readonly status: number;
  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
  ) {
    super(description);
    // invalid_client is the one 401 (RFC 6749 §5.2); every other protocol error is a 400.
    this.status = error === 'invalid_client' ? 401 : 400;
  }
}

/** The endpoints whose errors take the OAuth shape, validation failures included. */
const PROTOCOL_PATHS = new Set(['/oauth/token', '/oauth/device/code', '/oauth/revoke']);

export function isProtocolRequest(req: Request): boolean {
  return req.method === 'POST' && PROTOCOL_PATHS.has(req.path);
}
