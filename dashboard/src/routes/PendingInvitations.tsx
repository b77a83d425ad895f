/** Members → pending invitations: who was invited with which scopes, each revocable before it is accepted. */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { $api, type Schemas } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/States.tsx';

export const INVITATIONS = ['get', '/core/organizations/{org_id}/invitations'] as const;

export function PendingInvitations({ org }: { org: string }) {
  const queryClient = useQueryClient();
  const [confirm, setConfirm] = useState<Schemas['Invitation'] | null>(null);
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
                  <td><button type="button" onClick={() => setConfirm(i)} aria-label={`Revoke the invitation of ${i.email}`}>Revoke</button></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
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
