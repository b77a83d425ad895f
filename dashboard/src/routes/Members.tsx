/**
 * `/orgs/:org/members`: each member with their scopes, your own scopes next to your name; Invite
 * (an email and a permission picker); clicking a member lets you change their scopes and Save, or
 * Remove them.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { $api, type Schemas } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { InvitationLink } from '../components/InvitationLink.tsx';
import { ScopePicker } from '../components/ScopePicker.tsx';
import { Loading } from '../components/States.tsx';
import { INVITATIONS, PendingInvitations } from './PendingInvitations.tsx';

type Member = Schemas['Member'];
const MEMBERS = ['get', '/core/organizations/{org_id}/members'] as const;

function Invite({ org, onClose }: { org: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [scopes, setScopes] = useState<Schemas['Scope'][]>([]);
  const [sent, setSent] = useState<Schemas['Invitation'] | null>(null);
  const invite = $api.useMutation('post', '/core/organizations/{org_id}/members/invite', {
    onSuccess: (invitation) => {
      queryClient.invalidateQueries({ queryKey: INVITATIONS });
      setSent(invitation);
    },
  });
  return (
    <Dialog title="Invite" onClose={onClose}>
      {sent ? (
        <>
          <p role="status">Invitation sent to {sent.email}. They open the emailed link, sign in (or sign up) with that email, and accept.</p>
          {sent.accept_url && <InvitationLink email={sent.email} url={sent.accept_url} />}
          <div className="actions"><button type="button" className="primary" onClick={onClose}>Done</button></div>
        </>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            invite.mutate({ params: { path: { org_id: org } }, body: { email, scopes } });
          }}
        >
          <label>Email address<input type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoFocus /></label>
          <ScopePicker value={scopes} onChange={setScopes} />
          <ErrorMessage error={invite.error} />
          <div className="actions">
            <button type="button" onClick={onClose}>Cancel</button>
            <button type="submit" className="primary" disabled={invite.isPending || scopes.length === 0}>Invite</button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

function MemberDialog({ org, member, onClose }: { org: string; member: Member; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [scopes, setScopes] = useState<Schemas['Scope'][]>(member.scopes);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const done = () => {
    queryClient.invalidateQueries({ queryKey: MEMBERS });
    onClose();
  };
  const save = $api.useMutation('put', '/core/organizations/{org_id}/members/{user_id}/scopes', { onSuccess: done });
  const remove = $api.useMutation('delete', '/core/organizations/{org_id}/members/{user_id}', { onSuccess: done });
  const path = { org_id: org, user_id: member.user_id };
  return (
    <Dialog title={member.name} onClose={onClose}>
      <p className="muted">{member.email} · {member.role}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ params: { path }, body: { scopes } });
        }}
      >
        <ScopePicker value={scopes} onChange={setScopes} />
        <ErrorMessage error={save.error ?? remove.error} />
        <div className="actions">
          <button type="button" className="destructive" onClick={() => setConfirmRemove(true)}>Remove</button>
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={save.isPending || scopes.length === 0}>Save</button>
        </div>
      </form>
      {confirmRemove && (
        <Dialog title={`Remove ${member.name}?`} onClose={() => setConfirmRemove(false)}>
          <p>{member.email} loses access to this organization at once. You can invite them again later.</p>
          <div className="actions">
            <button type="button" onClick={() => setConfirmRemove(false)}>Cancel</button>
            <button type="button" className="destructive" disabled={remove.isPending} onClick={() => remove.mutate({ params: { path } })}>
              Remove
            </button>
          </div>
        </Dialog>
      )}
    </Dialog>
  );
}

export function Members({ org }: { org: string }) {
  const [inviting, setInviting] = useState(false);
  const [open, setOpen] = useState<Member | null>(null);
  const list = $api.useQuery('get', '/core/organizations/{org_id}/members', { params: { path: { org_id: org }, query: { limit: 100 } } });
  const mine = $api.useQuery('get', '/core/organizations/{org_id}/my-scopes', { params: { path: { org_id: org } } });
  return (
    <>
      <div className="title-row">
        <h1>Members</h1>
        <button type="button" className="primary" onClick={() => setInviting(true)}>Invite</button>
      </div>
      {list.isPending ? (
        <Loading what="members" />
      ) : list.error ? (
        <ErrorMessage error={list.error} />
      ) : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Scopes</th></tr></thead>
            <tbody>
              {list.data.members.map((m) => {
                const isMe = m.user_id === mine.data?.user_id;
                return (
                  <tr key={m.user_id}>
                    <td>
                      {m.role === 'owner' || isMe ? m.name : <button type="button" className="link" onClick={() => setOpen(m)}>{m.name}</button>}
                      {isMe && <span className="badge">you</span>}
                    </td>
                    <td>{m.email}</td>
                    <td>{m.role}</td>
                    <td>
                      {m.scopes.join(', ')}
                      {isMe && mine.data && <span className="muted small"> · your scopes: {mine.data.scopes.join(', ')}</span>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <PendingInvitations org={org} />
      {inviting && <Invite org={org} onClose={() => setInviting(false)} />}
      {open && <MemberDialog org={org} member={open} onClose={() => setOpen(null)} />}
    </>
  );
}
