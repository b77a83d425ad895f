/**
 * OAuth 2.1 for the `saasignal` CLI, by operationId: the protocol endpoints (protocol.ts) and
 * the Dashboard's consent, device and session operations (consent.ts).
 *
 * @module server/oauth
 */
import type { Handlers } from '../context.ts';
import type { Db } from '../db/index.ts';
import { consentHandlers } from './consent.ts';
import { protocolHandlers } from './protocol.ts';
import { type OAuthSettings, oauthSettings } from './settings.ts';

export type { OAuthSettings } from './settings.ts';

export function oauthHandlers(db: Db, overrides: Partial<OAuthSettings> = {}): Handlers {
  const settings = oauthSettings(overrides);
  return { ...protocolHandlers(db, settings), ...consentHandlers(db, settings) };
}
