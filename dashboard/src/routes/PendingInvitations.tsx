/**
 * Members → pending invitations: who was invited with which scopes, each revocable before it is
 * accepted. "New link" invites again (same email, scopes and project) for a link to copy: the
 * server keeps only a hash of a link's secret, so the old one cannot be shown again.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { $api, type Schemas } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { InvitationLink } from '../components/InvitationLink.tsx';
import { Loading } from '../components/States.tsx';

export const INVITATIONS = ['get', '/core/organizations/{org_id}/invitations'] as const;

export function PendingInvitations({ org }: { org: string }) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState<Schemas['Invitation'] | null>(null);
  const [renewed, setRenewed] = useState<Schemas['Invitation'] | null>(null);
  const renew = $api.useMutation('post', '/core/organizations/{org_id}/members/invite', {
    onSuccess: (invitation) => {
      queryClient.invalidateQueries({ queryKey: INVITATIONS });
      setRenewed(invitation);
    },
  });
  const list = $api.useQuery('get', '/core/organizations/{org_id}/invitations', { params: { path: { org_id: org }, query: { limit: 100 } } });
  const revoke = $api.useMutation('delete', '/core/organizations/{org_id}/invitations/{invitation_id}', {
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: INVITATIONS });
      setConfirm(null);
    },
  });
  return (
    <section aria-labelledby="pending-invitations">
      <h2 id="pending-invitations">Pending invitations</h2>
      {list.isPending ? (
        <Loading what="invitations" />
      ) : list.error ? (
        <ErrorMessage error={list.error} />
      ) : list.data.invitations.length === 0 ? (
        <p className="muted">No pending invitations.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Email</th><th scope="col">Scopes</th><th scope="col">Expires</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {list.data.invitations.map((i) => (
                <tr key={i.id}>
                  <td>{i.email}</td>
                  <td>{i.scopes.join(', ')}</td>
                  <td>{new Date(i.expires_at).toLocaleDateString()}</td>
                  <td>
                    <button
                      type="button"
                      disabled={renew.isPending}
                      onClick={() => renew.mutate({ params: { path: { org_id: org } }, body: { email: i.email, scopes: i.scopes, ...(i.project_id ? { project_id: i.project_id } : {}) } })}
                      aria-label={`New link for ${i.email}`}
                    >
                      New link
                    </button>{' '}
                    <button type="button" onClick={() => setConfirm(i)} aria-label={`Revoke the invitation of ${i.email}`}>Revoke</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorMessage error={renew.error} />
      {renewed?.accept_url && (
        <Dialog title="New invitation link" onClose={() => setRenewed(null)}>
          <p role="status">A new invitation was emailed to {renewed.email}; the previous link no longer works.</p>
          <InvitationLink email={renewed.email} url={renewed.accept_url} />
          <div className="actions"><button type="button" className="primary" onClick={() => setRenewed(null)}>Done</button></div>
        </Dialog>
      )}
      {confirm && (
        <Dialog title="Revoke invitation?" onClose={() => setConfirm(null)}>
          <p>{confirm.email} will no longer be able to join with this invitation.</p>
          <ErrorMessage error={revoke.error} />
          <div className="actions">
            <button type="button" onClick={() => setConfirm(null)}>Cancel</button>
            <button type="button" className="destructive" disabled={revoke.isPending} onClick={() => revoke.mutate({ params: { path: { org_id: org, invitation_id: confirm.id } } })}>
              Revoke
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}
