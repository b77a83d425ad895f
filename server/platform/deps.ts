/**
 * What the platform handlers need from the app: the database, accounts, browser-token signing,
 * the infra layer's data removal, and the billing allowance.
 *
 * @module server/platform/deps
 */
import type { Auth } from '../auth/better-auth.ts';
import type { BrowserTokens } from '../auth/browser-tokens.ts';
import type { HashingSlot } from '../auth/password-hashing.ts';
import type { SignInThrottle } from '../auth/sign-in-throttle.ts';
import type { Db } from '../db/index.ts';
import type { Mailer } from '../mail/mailer.ts';

export interface PlatformDeps {
  db: Db;
  /** better-auth, loaded on first use (it is slow to import). */
  auth: () => Promise<Auth>;
  browser: BrowserTokens;
  /** Removes every KV key and channel of a project, in both modes (infra's `deleteProjectData`). */
  deleteProjectData(projectId: string): Promise<void>;
  /** The monthly included allowance in μt. */
  allowance(): number;
  /** Failed sign-ins per account (server/auth/sign-in-throttle.ts). */
  signInThrottle: SignInThrottle;
  /** Runs work that hashes a password, bounded (server/auth/password-hashing.ts). */
  hashing: HashingSlot;
  /** Invitation links and account messages (server/mail/mailer.ts). */
  mailer: Mailer;
  /** `SAASIGNAL_REQUIRE_EMAIL_VERIFICATION`: sign-up answers alike for new and taken emails (202). */
  requireEmailVerification: boolean;
}
