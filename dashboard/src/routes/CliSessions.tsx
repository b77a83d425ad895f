/**
 * `/account/cli-sessions`: the user's authorized CLI sessions (OAuth grants), across organizations,
 * each with Revoke, which ends its access and refresh tokens on their next request. Revoke asks
 * once more, naming the session, since the CLI it signs out may be someone's running script.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { $api } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/States.tsx';

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
const LIST = ['get', '/core/oauth/grants'] as const;

export function CliSessions() {
  const queryClient = useQueryClient();
  const list = $api.useQuery(...LIST);
  const orgs = $api.useQuery('get', '/core/organizations', { params: { query: { limit: 100 } } });
  const [confirming, setConfirming] = useState<{ id: string; label: string } | null>(null);
  const revoke = $api.useMutation('delete', '/core/oauth/grants/{grant_id}', {
    onSuccess: () => {
      setConfirming(null);
      return queryClient.invalidateQueries({ queryKey: LIST });
    },
  });
  const orgName = (id: string) => orgs.data?.organizations.find((o) => o.id === id)?.name ?? id;
  return (
    <>
      <h1>CLI sessions</h1>
      <p className="muted">Each <code>saasignal auth login</code> you approved. Revoking one signs that CLI out on its next command.</p>
      {list.isPending ? (
        <Loading what="CLI sessions" />
      ) : list.error ? (
        <ErrorMessage error={list.error} />
      ) : list.data.grants.length === 0 ? (
        <Empty><p>No CLI sessions. Run <code>npx saasignal auth login</code> to start one.</p></Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Client</th><th scope="col">Organization</th><th scope="col">Project</th><th scope="col">Scopes</th><th scope="col">Authorized</th><th scope="col">Last used</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {list.data.grants.map((g) => (
                <tr key={g.id}>
                  <td>{g.client.name}</td>
                  <td>{orgName(g.org_id)}</td>
                  <td>{g.project_id ? <code>{g.project_id}</code> : 'every project'}</td>
                  <td>{g.scopes.join(', ')}</td>
                  <td>{when(g.created_at)}</td>
                  <td>{when(g.last_used_at)}</td>
                  <td>
                    <button
                      type="button"
                      className="destructive"
                      onClick={() => {
                        revoke.reset();
                        setConfirming({ id: g.id, label: `${g.client.name} · ${orgName(g.org_id)} · ${g.scopes.join(', ')}` });
                      }}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming && (
        <Dialog title="Revoke this CLI session?" onClose={() => setConfirming(null)}>
          <p>{confirming.label}</p>
          <p>The CLI that holds it is signed out on its next command and must run <code>saasignal auth login</code> again.</p>
          <ErrorMessage error={revoke.error} />
          <div className="actions">
            <button type="button" onClick={() => setConfirming(null)}>
              Cancel
            </button>
            <button type="button" className="destructive" disabled={revoke.isPending} onClick={() => revoke.mutate({ params: { path: { grant_id: confirming.id } } })}>
              Revoke session
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
