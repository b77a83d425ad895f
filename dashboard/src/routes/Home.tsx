/** `/`: opens the first organization, or invites the user to create one. */
import { useEffect } from 'react';
import { $api } from '../api.ts';
import { Empty, Loading } from '../components/States.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { navigate } from '../router.tsx';

export function Home() {
  const orgs = $api.useQuery('get', '/core/organizations', { params: { query: { limit: 100 } } });
  const first = orgs.data?.organizations[0];
  useEffect(() => {
    if (first) navigate(`/orgs/${first.id}`, { replace: true });
  }, [first]);
  if (orgs.isPending) return <Loading what="organizations" />;
  if (orgs.error) return <ErrorMessage error={orgs.error} />;
  return (
    <Empty>
      <h1>No organization yet</h1>
      <p>Every organization has its own members, projects and token balance. Use Create Organization in the sidebar to start one.</p>
    </Empty>
  );
}
