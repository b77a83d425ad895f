/**
 * Scope matching. `*` grants everything; `resource:*` grants every action on that resource.
 * A required scope of `*` (deleting an organization) is met only by `*` itself.
 *
 * @module server/auth/scopes
 */
import { operationsById } from '../spec.ts';

/** Whether `held` grants `required`. A `resource:*` requirement needs `resource:*` or `*`. */
export function hasScope(held: readonly string[], required: string): boolean {
  if (held.includes('*')) return true;
  if (required === '*') return false;
  if (held.includes(required)) return true;
  const resource = required.split(':')[0];
  return held.includes(`${resource}:*`);
}

/** The requested scopes that `held` does not grant (empty: all granted). */
export function missingScopes(held: readonly string[], requested: readonly string[]): string[] {
  return requested.filter((s) => !hasScope(held, s));
}

/**
 * Platform scopes, what an organization token (no project) may carry: the resources of the
 * scopes the document requires on `/core/…` operations (orgs, projects, tokens, billing).
 */
const PLATFORM_RESOURCES = new Set(
  [...operationsById.values()].filter((op) => op.path.startsWith('/core/') && op.scope && op.scope !== '*').map((op) => op.scope!.split(':')[0]),
);

export function isPlatformScope(scope: string): boolean {
  return scope === '*' || PLATFORM_RESOURCES.has(scope.split(':')[0]);
}

export function parseScopes(json: string): string[] {
  return JSON.parse(json) as string[];
}

/**
 * The scopes granted by both lists, as one list: what a token may do when its creator's current
 * scopes also bound it. A scope of either list that the other grants is kept (`kv:*` ∩ `kv:read`
 * is `kv:read`, `*` ∩ `orgs:*` is `orgs:*`); a requirement is granted by the result exactly when
 * both lists grant it.
 */
export function intersectScopes(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a.filter((s) => hasScope(b, s)), ...b.filter((s) => hasScope(a, s))])];
}
