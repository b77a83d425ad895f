/** `/orgs/:org/projects`: the list, and Create Project (a name and a region from the document's enum). */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { defaultRegion, regionDescription, regions } from 'virtual:saasignal-document';
import { $api, type Schemas } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { Link, navigate } from '../router.tsx';

function CreateProject({ org, onClose }: { org: string; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [region, setRegion] = useState<Schemas['Region']>(defaultRegion);
  const create = $api.useMutation('post', '/core/organizations/{org_id}/projects', {
    onSuccess: (p) => {
      queryClient.invalidateQueries({ queryKey: ['get', '/core/organizations/{org_id}/projects'] });
      navigate(`/orgs/${org}/projects/${p.id}`);
    },
  });
  return (
    <Dialog title="Create Project" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({ params: { path: { org_id: org } }, body: { name, region } });
        }}
      >
        <label>Name<input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus /></label>
        <label>
          Region
          <select value={region} onChange={(e) => setRegion(e.target.value as Schemas['Region'])} aria-describedby="region-hint">
            {regions.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <p id="region-hint" className="muted small">{regionDescription}</p>
        <ErrorMessage error={create.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={create.isPending}>Create</button>
        </div>
      </form>
    </Dialog>
  );
}

export function Projects({ org }: { org: string }) {
  const [creating, setCreating] = useState(false);
  const list = $api.useQuery('get', '/core/organizations/{org_id}/projects', { params: { path: { org_id: org }, query: { limit: 100 } } });
  return (
    <>
      <div className="title-row">
        <h1>Projects</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>Create Project</button>
      </div>
      {list.isPending ? (
        <Loading what="projects" />
      ) : list.error ? (
        <ErrorMessage error={list.error} />
      ) : list.data.projects.length === 0 ? (
        <Empty><p>No projects yet. A project holds KV keys, channels and the tokens that reach them.</p></Empty>
      ) : (
        <table>
          <thead><tr><th scope="col">Name</th><th scope="col">Region</th><th scope="col">ID</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {list.data.projects.map((p) => (
              <tr key={p.id}>
                <td><Link to={`/orgs/${org}/projects/${p.id}`}>{p.name}</Link></td>
                <td>{p.region}</td>
                <td><code>{p.id}</code></td>
                <td>{new Date(p.created_at).toLocaleDateString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {creating && <CreateProject org={org} onClose={() => setCreating(false)} />}
    </>
  );
}
