/**
 * A typed client for a project's KV store and channels. Those operations take project
 * credentials, not the session: the Dashboard asks `createDashboardToken` for a 15-minute token of
 * the signed-in member, keeps it in memory only (never in storage), and asks again before it ends.
 *
 * @module dashboard/project-client
 */
import createFetchClient from 'openapi-fetch';
import createClient from 'openapi-react-query';
import { useMemo } from 'react';
import type { paths } from '../../generated/types.ts';
import { $api } from './api.ts';

/** Ask for a new token this long before the current one expires. */
const RENEW_MARGIN_MS = 60_000;

export function useProjectClient(org: string, project: string) {
  const token = $api.useQuery(
    'post',
    '/core/organizations/{org_id}/projects/{project_id}/dashboard-token',
    { params: { path: { org_id: org, project_id: project } } },
    {
      staleTime: ({ state }) => (state.data ? Math.max(0, Date.parse(state.data.expires_at) - Date.now() - RENEW_MARGIN_MS) : 0),
      refetchInterval: ({ state }) => (state.data ? Math.max(5_000, Date.parse(state.data.expires_at) - Date.now() - RENEW_MARGIN_MS) : false),
      retry: false,
    },
  );
  const secret = token.data?.secret;
  const client = useMemo(() => {
    if (!secret) return null;
    // `omit`: the token is the credential here, the session cookie has no business on these calls.
    const fetchClient = createFetchClient<paths>({ baseUrl: window.location.origin, credentials: 'omit', headers: { Authorization: `Bearer ${secret}` } });
    return { fetch: fetchClient, query: createClient(fetchClient) };
  }, [secret]);
  return { client, scopes: token.data?.scopes ?? [], error: token.error, isPending: token.isPending };
}

export type ProjectClient = NonNullable<ReturnType<typeof useProjectClient>['client']>;
