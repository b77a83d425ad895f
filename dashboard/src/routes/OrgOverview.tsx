/** `/orgs/:org`: the organization's details and its balance at a glance. */
import { $api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/States.tsx';
import { Link } from '../router.tsx';

export function OrgOverview({ org }: { org: string }) {
  const details = $api.useQuery('get', '/core/organizations/{org_id}', { params: { path: { org_id: org } } });
  const mine = $api.useQuery('get', '/core/organizations/{org_id}/my-scopes', { params: { path: { org_id: org } } });
  if (details.isPending) return <Loading what="organization" />;
  if (details.error) return <ErrorMessage error={details.error} />;
  const o = details.data;
  return (
    <>
      <h1>{o.name}</h1>
      <dl className="facts">
        <dt>Slug</dt><dd><code>{o.slug}</code></dd>
        <dt>ID</dt><dd><code>{o.id}</code></dd>
        <dt>Your role</dt><dd>{mine.data?.role ?? '…'}</dd>
        <dt>Created</dt><dd>{new Date(o.created_at).toLocaleString()}</dd>
      </dl>
      <p>
        <Link to={`/orgs/${org}/projects`}>Projects</Link> · <Link to={`/orgs/${org}/members`}>Members</Link> · <Link to={`/orgs/${org}/usage`}>Usage</Link> ·{' '}
        <Link to={`/orgs/${org}/settings`}>Settings</Link>
      </p>
    </>
  );
}
