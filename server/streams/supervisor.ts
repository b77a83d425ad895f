/**
 * Keeps every open event stream of an instance within its bounds:
 *
 * - **Admission**: a stream counts against its API token, project and organization (across
 *   instances when the slots are in Redis) and against the instance's own cap; over any of them
 *   it is refused with 429 `TOO_MANY_STREAMS` before it is charged.
 * - **Authority, event by event**: an event reaches a stream only after a check of the stream's
 *   credential that began after the event arrived (one query for all streams, see authority.ts).
 *   So no event published after a revocation or deletion is delivered, and the stream ends at
 *   that check; idle streams are checked every `recheckMs` (1 s), so they end within ~1 s plus
 *   one query. A browser token (or an API token with `expires_at`) ends its stream at that
 *   instant, by a timer. If the database cannot be reached, events wait, and a stream whose
 *   credential could not be checked for {@link FAIL_CLOSED_MS} ends.
 * - **Lifetime**: every stream ends `maxLifetimeMs` after it opened; clients reconnect.
 * - **Price over time**: a live stream is charged `x-price-microtokens-per-minute` at the start of
 *   each minute after its first (the connection price covers the first), one charge per
 *   organization per check; when the organization's balance cannot pay, its streams end.
 *
 * An ending stream gets a last comment line, `: closed <reason>`, then the connection ends.
 *
 * @module server/streams/supervisor
 */
import type { Response } from 'express';
import type { AuthContext } from '../context.ts';
import type { Db } from '../db/index.ts';
import { ApiError } from '../errors.ts';
import { ulid } from '../ids.ts';
import { charge } from '../billing/balance.ts';
import type { ChannelEvent } from '../infra/pubsub.ts';
import { liveTokenIds } from './authority.ts';
import type { StreamSettings } from './settings.ts';
import { LEASE_MS, type Slot, type StreamSlots } from './slots.ts';

/** A stream whose credential could not be checked this long (database down) ends. */
export const FAIL_CLOSED_MS = 5_000;
/** Events waiting for a check, per stream, before the stream is dropped as too slow. */
const MAX_HELD_EVENTS = 1_000;
/** setTimeout's largest delay; later instants are left to the periodic check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type EndReason = 'revoked' | 'expired' | 'unverifiable' | 'lifetime' | 'balance' | 'slow' | 'shutdown';

const REASON_TEXT: Record<EndReason, string> = {
  revoked: 'credential revoked, or its project or organization deleted',
  expired: 'credential expired',
  unverifiable: 'credential could not be checked',
  lifetime: 'maximum stream lifetime reached; reconnect',
  balance: 'insufficient tokens',
  slow: 'client too slow',
  shutdown: 'server shutting down; reconnect',
};

/** Where a supervised stream's events go, and how it is ended. */
export interface StreamSink {
  send(event: ChannelEvent): void;
  /** Sends `: closed <reason>` and ends the response. */
  close(reason: string): void;
}

export interface Admission {
  readonly id: string;
  readonly auth: AuthContext;
  readonly slots: Slot[];
  /** μt charged per minute connected after the first (`x-price-microtokens-per-minute`). */
  readonly pricePerMinute: number;
  release(): void;
}

export interface Watched {
  /** An event for this stream: delivered once a later check confirms the credential. */
  push(event: ChannelEvent): void;
  /** The client left (or the server ended it): stop supervising. */
  stop(): void;
}

export interface SupervisorDeps {
  db: Db;
  slots: StreamSlots;
  settings: StreamSettings;
  /** Monthly allowance, for charges (see billing/balance.ts). */
  allowance: () => number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

interface Entry {
  admission: Admission;
  sink: StreamSink;
  held: ChannelEvent[];
  /** When a check that began at this instant last confirmed the credential. */
  verifiedAt: number;
  nextChargeAt: number;
  timers: NodeJS.Timeout[];
  ended: boolean;
}

export interface Supervisor {
  /** Counts a new stream or refuses it (429); the admission is kept for `watch` on this response. */
  admit(res: Response, auth: AuthContext, pricePerMinute: number): Promise<Admission>;
  /** Supervises the stream admitted for `res`. */
  watch(res: Response, sink: StreamSink): Watched;
  /** Streams admitted and not yet released on this instance. */
  readonly count: number;
  close(): Promise<void>;
}

export function createSupervisor(deps: SupervisorDeps): Supervisor {
  const { db, slots, settings } = deps;
  const admissions = new WeakMap<Response, Admission>();
  const open = new Set<Entry>();
  let admitted = 0;

  let checking = false;
  let again = false;
  let scheduled = false;
  let charging = false;
  let lastRenew = Date.now();

  const tick = setInterval(() => {
    runCheck();
    chargeDue().catch((err: unknown) => deps.log?.('stream charge failed', { error: String(err) }));
    if (Date.now() - lastRenew >= LEASE_MS / 3) {
      lastRenew = Date.now();
      slots.renew([...open].map((e) => ({ id: e.admission.id, slots: e.admission.slots }))).catch(() => {});
    }
  }, settings.recheckMs);
  tick.unref();

  function end(entry: Entry, reason: EndReason): void {
    if (entry.ended) return;
    entry.ended = true;
    open.delete(entry);
    for (const t of entry.timers) clearTimeout(t);
    entry.held = [];
    entry.admission.release();
    entry.sink.close(REASON_TEXT[reason]);
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      runCheck();
    });
  }

  /** One check of every open stream; events that arrived before it began are delivered after it. */
  function runCheck(): void {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    const entries = [...open];
    const waiting = entries.map((e) => e.held.length);
    const startedAt = Date.now();
    const tokenIds = [...new Set(entries.map((e) => e.admission.auth.tokenId!))];
    liveTokenIds(db, tokenIds)
      .then(
        (live) => settle(entries, waiting, startedAt, live),
        () => settle(entries, waiting, startedAt, null),
      )
      .finally(() => {
        checking = false;
        if (again) {
          again = false;
          runCheck();
        }
      });
  }

  function settle(entries: Entry[], waiting: number[], startedAt: number, live: Set<string> | null): void {
    const now = Date.now();
    entries.forEach((entry, i) => {
      if (entry.ended) return;
      const expiresAt = entry.admission.auth.expiresAt;
      if (expiresAt !== null && now >= expiresAt) return end(entry, 'expired');
      if (live === null) {
        if (now - entry.verifiedAt >= FAIL_CLOSED_MS) end(entry, 'unverifiable');
        return;
      }
      if (!live.has(entry.admission.auth.tokenId!)) return end(entry, 'revoked');
      entry.verifiedAt = startedAt;
      for (const event of entry.held.splice(0, waiting[i])) entry.sink.send(event);
    });
  }

  /** Charges every live stream whose next minute has begun, one charge per organization. */
  async function chargeDue(): Promise<void> {
    if (charging) return;
    charging = true;
    try {
      const now = Date.now();
      const byOrg = new Map<string, Entry[]>();
      for (const entry of open) {
        if (entry.admission.auth.mode === 'test' || entry.admission.pricePerMinute === 0 || entry.nextChargeAt > now) continue;
        const orgId = entry.admission.auth.orgId!;
        byOrg.set(orgId, [...(byOrg.get(orgId) ?? []), entry]);
      }
      for (const [orgId, entries] of byOrg) {
        const due = entries.filter((e) => !e.ended);
        const total = due.reduce((sum, e) => sum + e.admission.pricePerMinute, 0);
        if (await charge(db, orgId, total, deps.allowance())) {
          for (const e of due) e.nextChargeAt += settings.chargeEveryMs;
        } else {
          for (const e of due) end(e, 'balance');
        }
      }
    } finally {
      charging = false;
    }
  }

  return {
    get count() {
      return admitted;
    },

    async admit(res, auth, pricePerMinute) {
      if (admitted >= settings.perInstance) {
        throw new ApiError('TOO_MANY_STREAMS', `This server holds its maximum of ${settings.perInstance} event streams; retry shortly.`, { headers: { 'Retry-After': '5' } });
      }
      const id = ulid();
      const wanted: Slot[] = [
        { key: `token:${auth.tokenId}`, limit: settings.perToken },
        { key: `project:${auth.projectId}`, limit: settings.perProject },
        { key: `org:${auth.orgId}`, limit: settings.perOrg },
      ];
      admitted++;
      let full: Slot | null;
      try {
        full = await slots.acquire(id, wanted);
      } catch (err) {
        admitted--;
        throw err;
      }
      if (full) {
        admitted--;
        const what = full.key.split(':')[0] === 'org' ? 'organization' : full.key.split(':')[0];
        throw new ApiError('TOO_MANY_STREAMS', `This ${what} already has ${full.limit} open event streams, its limit. Close one before opening another.`, {
          headers: { 'Retry-After': '5' },
        });
      }
      let released = false;
      const admission: Admission = {
        id,
        auth,
        slots: wanted,
        pricePerMinute,
        release() {
          if (released) return;
          released = true;
          admitted--;
          slots.release(id, wanted).catch(() => {});
        },
      };
      admissions.set(res, admission);
      // A stream that never opens (the client left, the charge failed) frees its slot at once.
      res.on('close', () => admission.release());
      return admission;
    },

    watch(res, sink) {
      const admission = admissions.get(res);
      if (!admission) throw new Error('streams: watch() without admit() on this response');
      const now = Date.now();
      const entry: Entry = {
        admission,
        sink,
        held: [],
        verifiedAt: now,
        nextChargeAt: now + settings.chargeEveryMs,
        timers: [],
        ended: false,
      };
      open.add(entry);
      const at = (ms: number, reason: EndReason) => {
        if (ms - Date.now() < MAX_TIMER_MS) entry.timers.push(setTimeout(() => end(entry, reason), Math.max(0, ms - Date.now())));
      };
      at(now + settings.maxLifetimeMs, 'lifetime');
      if (admission.auth.expiresAt !== null) at(admission.auth.expiresAt, 'expired');
      return {
        push(event) {
          if (entry.ended) return;
          entry.held.push(event);
          if (entry.held.length > MAX_HELD_EVENTS) return end(entry, 'slow');
          schedule();
        },
        stop() {
          if (entry.ended) return;
          entry.ended = true;
          open.delete(entry);
          for (const t of entry.timers) clearTimeout(t);
          admission.release();
        },
      };
    },

    async close() {
      clearInterval(tick);
      for (const entry of [...open]) end(entry, 'shutdown');
    },
  };
}
