/**
 * `/orgs/:org/projects/:project/tokens`: the project's API tokens (prefix, scopes, mode, last use,
 * expiry); Create Token (name, scopes, live or test, optional expiry) shows the secret once with a
 * copy button; clicking a token opens it, where Revoke ends it at once.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { tokenModes } from 'virtual:saasignal-document';
import { $api, type Schemas } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { ScopePicker } from '../components/ScopePicker.tsx';
import { Empty, Loading } from '../components/States.tsx';

type Token = Schemas['Token'];
const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : '—');
const LIST = ['get', '/core/organizations/{org_id}/tokens'] as const;

function ShowSecretOnce({ token, onClose }: { token: Schemas['CreatedToken']; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <Dialog title="Token created" onClose={onClose}>
      <p className="warning" role="note">
        Copy this secret now. It is shown only once: the server keeps only a hash of it.
      </p>
      <label>
        Secret
        <input readOnly value={token.secret} onFocus={(e) => e.target.select()} className="mono" />
      </label>
      <div className="actions">
        <button
          type="button"
          onClick={async () => {
            await navigator.clipboard.writeText(token.secret);
            setCopied(true);
          }}
        >
          Copy
        </button>
        <button type="button" className="primary" onClick={onClose}>Done</button>
      </div>
      {copied && <p role="status">Copied to the clipboard.</p>}
    </Dialog>
  );
}

function CreateToken({ org, project, onCreated, onClose }: { org: string; project: string; onCreated: (t: Schemas['CreatedToken']) => void; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Schemas['Scope'][]>([]);
  const [mode, setMode] = useState<Schemas['TokenMode']>(tokenModes[0]);
  const [expires, setExpires] = useState('');
  const create = $api.useMutation('post', '/core/organizations/{org_id}/tokens', {
    onSuccess: (t) => {
      queryClient.invalidateQueries({ queryKey: LIST });
      onCreated(t);
    },
  });
  return (
    <Dialog title="Create Token" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate({
            params: { path: { org_id: org } },
            body: { name, scopes, mode, project_id: project, ...(expires ? { expires_at: new Date(expires).toISOString() } : {}) },
          });
        }}
      >
        <label>Token name<input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} autoFocus /></label>
        <ScopePicker value={scopes} onChange={setScopes} legend="Scopes" />
        <fieldset>
          <legend>Mode</legend>
          {tokenModes.map((m) => (
            <label key={m} className="check">
              <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
              {m === 'live' ? 'Live (sk_live_…, real data, metered)' : 'Test (sk_test_…, sandbox, never charged; 100 requests/hour per organization)'}
            </label>
          ))}
        </fieldset>
        <label>
          Expires (optional)
          <input type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} />
        </label>
        <ErrorMessage error={create.error} />
        <div className="actions">
          <button type="button" onClick={onClose}>Cancel</button>
          <button type="submit" className="primary" disabled={create.isPending || scopes.length === 0}>Create</button>
        </div>
      </form>
    </Dialog>
  );
}

function TokenDetails({ org, token, onClose }: { org: string; token: Token; onClose: () => void }) {
  const queryClient = useQueryClient();
  const revoke = $api.useMutation('delete', '/core/organizations/{org_id}/tokens/{token_id}', {
    onSuccess: () => {
      queryClient.invalidateQueries({ queryKey: LIST });
      onClose();
    },
  });
  return (
    <Dialog title={token.name} onClose={onClose}>
      <dl className="facts">
        <dt>Prefix</dt><dd><code>{token.prefix}…</code></dd>
        <dt>Mode</dt><dd>{token.mode}</dd>
        <dt>Scopes</dt><dd>{token.scopes.join(', ')}</dd>
        <dt>Created</dt><dd>{when(token.created_at)}</dd>
        <dt>Last used</dt><dd>{when(token.last_used_at)}</dd>
        <dt>Expires</dt><dd>{token.expires_at ? when(token.expires_at) : 'never'}</dd>
      </dl>
      <p className="warning">Revoking is immediate: every request with this token, and every browser token made from it, is refused with 401 from now on.</p>
      <ErrorMessage error={revoke.error} />
      <div className="actions">
        <button type="button" onClick={onClose}>Cancel</button>
        <button type="button" className="destructive" disabled={revoke.isPending} onClick={() => revoke.mutate({ params: { path: { org_id: org, token_id: token.id } } })}>
          Revoke
        </button>
      </div>
    </Dialog>
  );
}

export function Tokens({ org, project }: { org: string; project: string }) {
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Schemas['CreatedToken'] | null>(null);
  const [open, setOpen] = useState<Token | null>(null);
  const list = $api.useQuery('get', '/core/organizations/{org_id}/tokens', { params: { path: { org_id: org }, query: { project_id: project, limit: 100 } } });
  return (
    <>
      <div className="title-row">
        <h1>Tokens</h1>
        <button type="button" className="primary" onClick={() => setCreating(true)}>Create Token</button>
      </div>
      {list.isPending ? (
        <Loading what="tokens" />
      ) : list.error ? (
        <ErrorMessage error={list.error} />
      ) : list.data.tokens.length === 0 ? (
        <Empty><p>No tokens yet. A token lets your server reach this project's KV store and channels.</p></Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Mode</th><th scope="col">Last used</th><th scope="col">Expires</th></tr></thead>
            <tbody>
              {list.data.tokens.map((t) => (
                <tr key={t.id}>
                  <td><button type="button" className="link" onClick={() => setOpen(t)}>{t.name}</button></td>
                  <td><code>{t.prefix}…</code></td>
                  <td>{t.scopes.join(', ')}</td>
                  <td>{t.mode}</td>
                  <td>{when(t.last_used_at)}</td>
                  <td>{t.expires_at ? when(t.expires_at) : 'never'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <CreateToken
          org={org}
          project={project}
          onClose={() => setCreating(false)}
          onCreated={(t) => {
            setCreating(false);
            setCreated(t);
          }}
        />
      )}
      {created && <ShowSecretOnce token={created} onClose={() => setCreated(null)} />}
      {open && <TokenDetails org={org} token={open} onClose={() => setOpen(null)} />}
    </>
  );
}
