/** `/invitations`: the invitations addressed to the signed-in user's email, each opening its page. */
import { $api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { Link } from '../router.tsx';

export function Invitations() {
  const list = $api.useQuery('get', '/core/invitations', { params: { query: { limit: 100 } } });
  if (list.isPending) return <Loading what="invitations" />;
  if (list.error) return <ErrorMessage error={list.error} />;
  const pending = list.data.invitations.filter((i) => i.status === 'pending');
  return (
    <>
      <h1>Invitations</h1>
      {pending.length === 0 ? (
        <Empty><p>No pending invitations for your email.</p></Empty>
      ) : (
        <ul className="cards">
          {pending.map((i) => (
            <li key={i.id}>
              <Link to={`/invitations/${i.id}`}>Join {i.org_name}</Link>
              <span className="muted small"> · {i.scopes.join(', ')}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
