/**
 * What authentication leaves on `res.locals.auth` for handlers, and the shape of a handler.
 *
 * @module server/context
 */
import type { Request, Response } from 'express';
import type { RequestMeter } from './billing/meter.ts';
import type { OperationId } from './spec.ts';

export type CredentialType = 'session' | 'org_token' | 'project_token' | 'browser_token' | 'oauth_token';

export interface AuthContext {
  type: CredentialType;
  /** The user behind a session (null for tokens). */
  userId: string | null;
  /** The organization the request acts in (null for a session on a route without one). */
  orgId: string | null;
  /** The project a project/browser token is bound to. */
  projectId: string | null;
  /** `test` for sk_test_ tokens and browser tokens made from them: a separate sandbox, never charged. */
  mode: 'live' | 'test';
  /** Effective scopes (for a session: the member's scopes in `orgId`). */
  scopes: string[];
  /** The API token used, or the parent token of a browser token. */
  tokenId: string | null;
  /** The session id, for sign-out. */
  sessionId: string | null;
  /**
   * When the credential stops being valid by itself (ms since epoch): a browser token's `exp` (or
   * its parent's `expires_at` if sooner), an API token's `expires_at`; null when it does not expire.
   * Open event streams end at this instant.
   */
  expiresAt: number | null;
  /** For a token: the user who created it (its scopes are bounded by theirs), null if unrecorded. */
  creatorId?: string | null;
  /** For a token: its own expiry, which nothing it mints may outlive (server/platform/offboarding.ts). */
  tokenExpiresAt?: string | null;
}

export interface Locals {
  auth: AuthContext;
  requestId: string;
  /** Set by metering on a metered operation: what the request was charged, and how to charge more. */
  meter?: RequestMeter;
}

export type Handler = (req: Request, res: Response<unknown, Locals>) => Promise<void> | void;
export type Handlers = Partial<Record<OperationId, Handler>>;
