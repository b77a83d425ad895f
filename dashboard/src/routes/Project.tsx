/** `/orgs/:org/projects/:project` (details) and `…/settings` (Danger Zone → Delete Project). */
import { useQueryClient } from '@tanstack/react-query';
import { $api } from '../api.ts';
import { DangerZone } from '../components/ConfirmDelete.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/States.tsx';
import { Link, navigate } from '../router.tsx';

const useProject = (org: string, project: string) =>
  $api.useQuery('get', '/core/organizations/{org_id}/projects/{project_id}', { params: { path: { org_id: org, project_id: project } } });

export function ProjectOverview({ org, project }: { org: string; project: string }) {
  const p = useProject(org, project);
  if (p.isPending) return <Loading what="project" />;
  if (p.error) return <ErrorMessage error={p.error} />;
  const base = `/orgs/${org}/projects/${project}`;
  return (
    <>
      <h1>{p.data.name}</h1>
      {p.data.description && <p>{p.data.description}</p>}
      <dl className="facts">
        <dt>ID</dt><dd><code>{p.data.id}</code></dd>
        <dt>Region</dt><dd>{p.data.region}</dd>
        <dt>Created</dt><dd>{new Date(p.data.created_at).toLocaleString()}</dd>
      </dl>
      <p>
        <Link to={`${base}/tokens`}>Tokens</Link> · <Link to={`${base}/kv`}>KV Store</Link> · <Link to={`${base}/channels`}>Channels</Link> · <Link to={`${base}/settings`}>Settings</Link>
      </p>
    </>
  );
}

export function ProjectSettings({ org, project }: { org: string; project: string }) {
  const queryClient = useQueryClient();
  const p = useProject(org, project);
  const remove = $api.useMutation('delete', '/core/organizations/{org_id}/projects/{project_id}', {
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['get', '/core/organizations/{org_id}/projects/{project_id}'] });
      queryClient.invalidateQueries({ queryKey: ['get', '/core/organizations/{org_id}/projects'] });
      navigate(`/orgs/${org}/projects`);
    },
  });
  if (p.isPending) return <Loading what="project" />;
  if (p.error) return <ErrorMessage error={p.error} />;
  return (
    <>
      <h1>Settings</h1>
      <p className="muted">Project {p.data.name} · region {p.data.region}</p>
      <DangerZone
        what="Project"
        name={p.data.name}
        pending={remove.isPending}
        error={remove.error}
        onDelete={() => remove.mutate({ params: { path: { org_id: org, project_id: project } } })}
      />
    </>
  );
}
