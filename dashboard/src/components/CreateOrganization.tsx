/** Create Organization: a name, then Create; opens the new organization. */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { $api } from '../api.ts';
import { navigate } from '../router.tsx';
import { Dialog } from './Dialog.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';

export function CreateOrganization() {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const queryClient = useQueryClient();
  const create = $api.useMutation('post', '/core/organizations', {
    onSuccess: (org) => {
      queryClient.invalidateQueries({ queryKey: ['get', '/core/organizations'] });
      setOpen(false);
      setName('');
      navigate(`/orgs/${org.id}`);
    },
  });
  return (
    <>
      <button type="button" className="primary block" onClick={() => setOpen(true)}>
        Create Organization
      </button>
      {open && (
        <Dialog title="Create Organization" onClose={() => setOpen(false)}>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              create.mutate({ body: { name } });
            }}
          >
            <label>
              Name
              <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus />
            </label>
            <ErrorMessage error={create.error} />
            <div className="actions">
              <button type="button" onClick={() => setOpen(false)}>Cancel</button>
              <button type="submit" className="primary" disabled={create.isPending}>Create</button>
            </div>
          </form>
        </Dialog>
      )}
    </>
  );
}
