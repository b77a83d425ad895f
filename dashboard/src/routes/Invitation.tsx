/**
 * `/invitations/:id?token=…`: the page the invitation email links to. Signed out, it sends them to
 * sign in (or sign up) and back here, token included; signed in, it shows the invitation
 * addressed to their email and Accept, which sends the link's token as the proof that they read
 * that inbox (without it, only an account with a verified email can accept).
 */
import { useQueryClient } from '@tanstack/react-query';
import { $api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { navigate } from '../router.tsx';

export function Invitation({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const list = $api.useQuery('get', '/core/invitations', { params: { query: { limit: 100 } } });
  const token = new URLSearchParams(window.location.search).get('token');
  const accept = $api.useMutation('post', '/core/invitations/{invitation_id}/accept', {
    onSuccess: () => {
      queryClient.invalidateQueries();
      const inv = list.data?.invitations.find((i) => i.id === id);
      navigate(inv ? `/orgs/${inv.org_id}` : '/');
    },
  });
  if (list.isPending) return <Loading what="invitation" />;
  if (list.error) return <ErrorMessage error={list.error} />;
  const inv = list.data.invitations.find((i) => i.id === id);
  if (!inv) {
    return (
      <Empty>
        <h1>Invitation not found</h1>
        <p>It may have been accepted already, withdrawn, or addressed to another email than the one you signed in with.</p>
      </Empty>
    );
  }
  return (
    <>
      <h1>Join {inv.org_name}</h1>
      <p>You were invited to <strong>{inv.org_name}</strong> as {inv.email}, with these scopes:</p>
      <ul>{inv.scopes.map((s) => <li key={s}><code>{s}</code></li>)}</ul>
      <p className="muted small">Expires {new Date(inv.expires_at).toLocaleString()}.</p>
      {!token && <p className="muted small">To accept, open this page through the link in the invitation email sent to {inv.email} (an account with a verified email can accept without it).</p>}
      <ErrorMessage error={accept.error} />
      <button type="button" className="primary" disabled={accept.isPending} onClick={() => accept.mutate({ params: { path: { invitation_id: id } }, body: token ? { token } : {} })}>
        Accept invitation
      </button>
    </>
  );
}
