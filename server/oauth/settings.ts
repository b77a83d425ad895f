/**
 * Lifetimes of the OAuth flows, in seconds: the document's (spec/oauth.ts), which tests shorten.
 *
 * @module server/oauth/settings
 */
import { OAUTH_TTL } from '../../spec/limits.ts';

export interface OAuthSettings {
  codeTtl: number;
  accessTtl: number;
  refreshTtl: number;
  deviceTtl: number;
  deviceInterval: number;
}

export function oauthSettings(overrides: Partial<OAuthSettings> = {}): OAuthSettings {
  return {
    codeTtl: OAUTH_TTL.code,
    accessTtl: OAUTH_TTL.access,
    refreshTtl: OAUTH_TTL.refresh,
    deviceTtl: OAUTH_TTL.device,
    deviceInterval: OAUTH_TTL.deviceInterval,
    ...overrides,
  };
}
