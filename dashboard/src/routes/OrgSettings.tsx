/** `/orgs/:org/settings`: rename, change the slug, and the Danger Zone (Delete Organization). */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { slugRule } from 'virtual:saasignal-document';
import { $api } from '../api.ts';
import { DangerZone } from '../components/ConfirmDelete.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/States.tsx';
import { navigate } from '../router.tsx';
import { checkString } from '../checks.ts';

export function OrgSettings({ org }: { org: string }) {
  const queryClient = useQueryClient();
  const details = $api.useQuery('get', '/core/organizations/{org_id}', { params: { path: { org_id: org } } });
  const [form, setForm] = useState({ name: '', slug: '' });
  const [saved, setSaved] = useState(false);
  const [slugProblem, setSlugProblem] = useState<string | null>(null);
  useEffect(() => {
    if (details.data) setForm({ name: details.data.name, slug: details.data.slug });
  }, [details.data]);
  const update = $api.useMutation('patch', '/core/organizations/{org_id}', {
    onSuccess: () => {
      setSaved(true);
      queryClient.invalidateQueries({ queryKey: ['get', '/core/organizations'] });
      queryClient.invalidateQueries({ queryKey: ['get', '/core/organizations/{org_id}'] });
    },
  });
  const remove = $api.useMutation('delete', '/core/organizations/{org_id}', {
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['get', '/core/organizations/{org_id}'] });
      queryClient.invalidateQueries({ queryKey: ['get', '/core/organizations'] });
      navigate('/');
    },
  });
  if (details.isPending) return <Loading what="settings" />;
  if (details.error) return <ErrorMessage error={details.error} />;
  return (
    <>
      <h1>Settings</h1>
      <form
        className="panel"
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          const problem = checkString(slugRule, form.slug, 'The slug');
          setSlugProblem(problem);
          if (!problem) update.mutate({ params: { path: { org_id: org } }, body: form });
        }}
      >
        <label>Organization name<input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required maxLength={100} /></label>
        <label>
          Slug
          <input value={form.slug} onChange={(e) => setForm({ ...form, slug: e.target.value })} required aria-describedby="slug-hint" aria-invalid={!!slugProblem} />
        </label>
        <p id="slug-hint" className="muted small">Lowercase letters, digits and hyphens; unique across organizations.</p>
        {slugProblem && <p role="alert" className="error">{slugProblem}</p>}
        <ErrorMessage error={update.error} />
        {saved && <p role="status">Saved.</p>}
        <button type="submit" className="primary" disabled={update.isPending}>Save</button>
      </form>
      <DangerZone
        what="Organization"
        name={details.data.name}
        pending={remove.isPending}
        error={remove.error}
        onDelete={(typed) => remove.mutate({ params: { path: { org_id: org } }, body: { confirm_name: typed } })}
      />
    </>
  );
}
