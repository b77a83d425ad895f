/**
 * The benchmark's tenants, made the way a user makes them: over the HTTP API (sign up, create a
 * project, mint a live project token with `*`), plus the few keys the read scenarios need.
 *
 * @module scripts/bench/api-setup
 */

export interface Tenant {
  /** Session token of the owner (for the organization listing). */
  session: string;
  orgId: string;
  projectId: string;
  /** `sk_live_…` secret of a project token with every scope. */
  secret: string;
}

/** One JSON call that must succeed; anything else stops the run with the server's answer. */
export async function call(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

export async function createTenant(base: string, label: string): Promise<Tenant> {
  const email = `bench-${label}-${process.pid}-${Date.now()}@example.com`;
  const signUp = await call(base, 'POST', '/api/auth/sign-up/email', null, { email, password: 'bench-passphrase-0001', name: `Bench ${label}` });
  const session = signUp.token as string;
  const orgId = signUp.default_org_id as string;
  const project = await call(base, 'POST', `/core/organizations/${orgId}/projects`, session, { name: `bench ${label}` });
  const token = await call(base, 'POST', `/core/organizations/${orgId}/tokens`, session, { name: `bench ${label}`, project_id: project.id, scopes: ['*'] });
  return { session, orgId, projectId: project.id, secret: token.secret };
}

/** Sets `count` keys `${prefix}${i}` through the batch operation, 100 per request. */
export async function seedOverHttp(base: string, secret: string, prefix: string, count: number, value: unknown): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    const ops = [];
    for (let i = start; i < Math.min(count, start + 100); i++) ops.push({ op: 'set', key: `${prefix}${String(i).padStart(4, '0')}`, value });
    await call(base, 'POST', '/infra/kv', secret, { ops });
  }
}
