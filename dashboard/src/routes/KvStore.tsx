/**
 * `/orgs/:org/projects/:project/kv`, the KV browser: keys by prefix a page at a time on one side,
 * the selected key's value (pretty JSON) and expiry on the other. Add Key, edit and Save with a TTL,
 * increment a counter, Delete. Input is checked against the document's constraints before sending.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { keyRule } from 'virtual:saasignal-document';
import { checkJsonValue, checkString, checkTtl } from '../checks.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Empty, Loading } from '../components/States.tsx';
import { type ProjectClient, useProjectClient } from '../project-client.ts';

const PAGE = 50;
const SCAN = ['get', '/infra/kv'] as const;
const VALUE = ['get', '/infra/kv/{key}'] as const;

function KeyEditor({ client, name, onDone }: { client: ProjectClient; name: string | null; onDone: (key: string | null) => void }) {
  const queryClient = useQueryClient();
  const isNew = name === null;
  const entry = client.query.useQuery('get', '/infra/kv/{key}', { params: { path: { key: name ?? '' } } }, { enabled: !isNew });
  const [draft, setDraft] = useState<{ key: string; value: string; ttl: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const form = draft ?? { key: name ?? '', value: entry.data ? JSON.stringify(entry.data.value, null, 2) : '', ttl: '' };
  const changed = () => {
    queryClient.invalidateQueries({ queryKey: SCAN });
    queryClient.invalidateQueries({ queryKey: VALUE });
  };
  const save = client.query.useMutation('put', '/infra/kv/{key}', {
    onSuccess: (saved) => {
      changed();
      setDraft(null);
      onDone(saved.key);
    },
  });
  const increment = client.query.useMutation('post', '/infra/kv/{key}/increment', { onSuccess: changed });
  const remove = client.query.useMutation('delete', '/infra/kv/{key}', {
    onSuccess: () => {
      changed();
      onDone(null);
    },
  });
  if (!isNew && entry.isPending) return <Loading what="value" />;
  if (!isNew && entry.error) return <ErrorMessage error={entry.error} />;
  const submit = () => {
    const keyProblem = checkString(keyRule, form.key, 'The key');
    const value = checkJsonValue(form.value);
    const ttl = checkTtl(form.ttl);
    const first = keyProblem ?? value.problem ?? ttl.problem;
    setProblem(first);
    if (first) return;
    save.mutate({ params: { path: { key: form.key } }, body: { value: value.value, ...(ttl.ttl ? { ttl: ttl.ttl } : {}) } });
  };
  return (
    <form
      aria-label={isNew ? 'New key' : `Key ${name}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {isNew ? (
        <label>Key<input value={form.key} onChange={(e) => setDraft({ ...form, key: e.target.value })} required autoFocus className="mono" /></label>
      ) : (
        <h2 className="mono">{name}</h2>
      )}
      {!isNew && <p className="muted small">Expires: {entry.data?.expires_at ? new Date(entry.data.expires_at).toLocaleString() : 'never'}</p>}
      <label>
        Value (JSON)
        <textarea value={form.value} onChange={(e) => setDraft({ ...form, value: e.target.value })} className="mono" spellCheck={false} required />
      </label>
      <label>
        TTL in seconds (optional)
        <input inputMode="numeric" value={form.ttl} onChange={(e) => setDraft({ ...form, ttl: e.target.value })} aria-describedby="ttl-hint" />
      </label>
      <p id="ttl-hint" className="muted small">Saving without a TTL keeps the key until it is deleted.</p>
      {problem && <p role="alert" className="error">{problem}</p>}
      <ErrorMessage error={save.error ?? increment.error ?? remove.error} />
      <div className="actions">
        {!isNew && typeof entry.data?.value === 'number' && (
          <button type="button" onClick={() => increment.mutate({ params: { path: { key: name } }, body: {} })} disabled={increment.isPending}>
            Increment
          </button>
        )}
        {!isNew && <button type="button" className="destructive" onClick={() => setConfirmDelete(true)}>Delete</button>}
        <button type="submit" className="primary" disabled={save.isPending}>Save</button>
      </div>
      {confirmDelete && name !== null && (
        <Dialog title={`Delete ${name}?`} onClose={() => setConfirmDelete(false)}>
          <p>The key and its value are removed at once.</p>
          <div className="actions">
            <button type="button" onClick={() => setConfirmDelete(false)}>Cancel</button>
            <button type="button" className="destructive" disabled={remove.isPending} onClick={() => remove.mutate({ params: { path: { key: name } } })}>Delete</button>
          </div>
        </Dialog>
      )}
    </form>
  );
}

function Browser({ client }: { client: ProjectClient }) {
  const [typed, setTyped] = useState('');
  const [prefix, setPrefix] = useState('');
  // Cursors of the pages before the current one, for Previous page.
  const [cursors, setCursors] = useState<string[]>([]);
  const [selected, setSelected] = useState<string | null | undefined>(undefined);
  const cursor = cursors.at(-1);
  const scan = client.query.useQuery('get', '/infra/kv', { params: { query: { limit: PAGE, ...(prefix ? { prefix } : {}), ...(cursor ? { cursor } : {}) } } });
  return (
    <div className="kv">
      <section aria-label="Keys" className="kv-keys">
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setPrefix(typed);
            setCursors([]);
          }}
        >
          <label>Prefix<input type="search" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="session:" className="mono" /></label>
          <div className="actions">
            <button type="button" onClick={() => setSelected(null)}>Add Key</button>
            <button type="submit">Search</button>
          </div>
        </form>
        {scan.isPending ? (
          <Loading what="keys" />
        ) : scan.error ? (
          <ErrorMessage error={scan.error} />
        ) : scan.data.keys.length === 0 ? (
          <Empty><p>{prefix ? `No keys start with "${prefix}".` : 'No keys in this project yet.'}</p></Empty>
        ) : (
          <ul className="key-list">
            {scan.data.keys.map((k) => (
              <li key={k}>
                <button type="button" className={k === selected ? 'key selected' : 'key'} aria-pressed={k === selected} onClick={() => setSelected(k)}>
                  <span className="mono">{k}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <div className="actions">
          <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
          <button type="button" disabled={!scan.data?.next_cursor} onClick={() => scan.data?.next_cursor && setCursors([...cursors, scan.data.next_cursor])}>Next page</button>
        </div>
      </section>
      <section aria-label="Value" className="kv-value">
        {selected === undefined ? (
          <p className="muted">Choose a key to see its value, or Add Key.</p>
        ) : (
          <KeyEditor key={selected ?? '\0new'} client={client} name={selected} onDone={(key) => setSelected(key ?? undefined)} />
        )}
      </section>
    </div>
  );
}

export function KvStore({ org, project }: { org: string; project: string }) {
  const { client, error, isPending } = useProjectClient(org, project);
  return (
    <>
      <h1>KV Store</h1>
      {isPending ? <Loading what="access to the project" /> : error || !client ? <ErrorMessage error={error} /> : <Browser client={client} />}
    </>
  );
}
