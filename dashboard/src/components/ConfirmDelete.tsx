/**
 * Danger Zone: deleting something asks for its name, typed exactly (the API's `confirm_name` for
 * organizations; the same habit for projects, so nobody deletes the wrong one by a slip).
 */
import { useState } from 'react';
import { Dialog } from './Dialog.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';

export function DangerZone(props: { what: string; name: string; pending: boolean; error: unknown; onDelete: (typed: string) => void }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const label = `Delete ${props.what}`;
  return (
    <section className="danger" aria-labelledby="danger-zone">
      <h2 id="danger-zone">Danger Zone</h2>
      <p>Deleting this {props.what.toLowerCase()} removes everything in it. This cannot be undone.</p>
      <button type="button" className="destructive" onClick={() => setOpen(true)}>
        {label}
      </button>
      {open && (
        <Dialog title={`${label}?`} onClose={() => setOpen(false)}>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              props.onDelete(typed);
            }}
          >
            <p>
              Type <strong>{props.name}</strong> to confirm.
            </p>
            <label>
              {props.what} name
              <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" required />
            </label>
            <ErrorMessage error={props.error} />
            <div className="actions">
              <button type="button" onClick={() => setOpen(false)}>
                Cancel
              </button>
              <button type="submit" className="destructive" disabled={typed !== props.name || props.pending}>
                {label}
              </button>
            </div>
          </form>
        </Dialog>
      )}
    </section>
  );
}
