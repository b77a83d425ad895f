/**
 * OAuth for the CLI, the user's side. `/oauth/authorize` is the metadata's authorization endpoint:
 * the CLI opens it with its request in the query string (sign-in keeps that query through `?next=`),
 * the server checks the request, and the user picks the organization and project, narrows the
 * scopes, and approves or denies; the browser then goes to the loopback `redirect_to` the server
 * answers. `/oauth/device` is the same consent for a code typed from another machine (RFC 8628).
 */
import { type FormEvent, useState } from 'react';
import type { paths } from '../../../generated/types.ts';
import { $api, type Schemas } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/States.tsx';

type Scope = Schemas['Scope'];
type AuthorizationQuery = paths['/core/oauth/authorization']['get']['parameters']['query'];
type Decision = Schemas['OAuthDecision']['decision'];
interface Choice {
  org_id: string;
  project_id: string | null;
  scopes: Scope[];
}

/** The consent form shared by both flows: organization, project, the asked-for scopes to narrow. */
function Consent(props: { client: Schemas['OAuthClient']; requested: Scope[]; pending: boolean; error: unknown; onDecide: (decision: Decision, choice: Choice) => void }) {
  const orgs = $api.useQuery('get', '/core/organizations', { params: { query: { limit: 100 } } });
  const [orgChoice, setOrg] = useState<string | null>(null);
  const orgId = orgChoice ?? orgs.data?.organizations[0]?.id ?? '';
  const projects = $api.useQuery('get', '/core/organizations/{org_id}/projects', { params: { path: { org_id: orgId }, query: { limit: 100 } } }, { enabled: !!orgId });
  // undefined: not chosen yet (the first project); '': the whole organization.
  const [projectChoice, setProject] = useState<string | undefined>(undefined);
  const projectId = projectChoice ?? projects.data?.projects[0]?.id ?? '';
  const [scopes, setScopes] = useState<Scope[]>(props.requested);
  if (orgs.isPending) return <Loading what="your organizations" />;
  if (orgs.error) return <ErrorMessage error={orgs.error} />;
  const decide = (decision: Decision) => props.onDecide(decision, { org_id: orgId, project_id: projectId || null, scopes: props.requested.filter((s) => scopes.includes(s)) });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    decide('approve');
  };
  return (
    <form onSubmit={submit} aria-label="Consent">
      <p>
        <strong>{props.client.name}</strong> (<code>{props.client.client_id}</code>) asks to act as you in SaaSignal. Approve only if you started this
        yourself, in your terminal.
      </p>
      <label>
        Organization
        <select
          value={orgId}
          onChange={(e) => {
            setOrg(e.target.value);
            setProject(undefined);
          }}
          required
        >
          {orgs.data.organizations.map((o) => (
            <option key={o.id} value={o.id}>{o.name}</option>
          ))}
        </select>
      </label>
      <label>
        Project
        <select value={projectId} onChange={(e) => setProject(e.target.value)} disabled={projects.isPending}>
          {projects.data?.projects.map((p) => (
            <option key={p.id} value={p.id}>{p.name}</option>
          ))}
          <option value="">Whole organization (every project)</option>
        </select>
      </label>
      <ErrorMessage error={projects.error} />
      <fieldset>
        <legend>Scopes</legend>
        <p className="muted small">Uncheck what the CLI should not be able to do. It never gets more than your own scopes in the organization.</p>
        {props.requested.map((s) => (
          <label key={s} className="check">
            <input type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(e.target.checked ? [...scopes, s] : scopes.filter((x) => x !== s))} />
            <code>{s}</code>
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={props.error} />
      <div className="actions">
        <button type="button" disabled={props.pending} onClick={() => decide('deny')}>Deny</button>
        {/* Not while the projects load: the default would be the whole organization, wider than meant. */}
        <button type="submit" className="primary" disabled={props.pending || !orgId || projects.isPending || scopes.length === 0}>Approve</button>
      </div>
    </form>
  );
}

export function OAuthAuthorize() {
  // The request is the page's own query string, passed on as is: the server checks every field.
  const [query] = useState(() => Object.fromEntries(new URLSearchParams(window.location.search)) as AuthorizationQuery);
  const request = $api.useQuery('get', '/core/oauth/authorization', { params: { query } });
  const [leaving, setLeaving] = useState(false);
  const decide = $api.useMutation('post', '/core/oauth/authorization', {
    onSuccess: (r) => {
      setLeaving(true);
      // A loopback URL of the CLI on this machine: a full navigation, not the app's router.
      window.location.assign(r.redirect_to);
    },
  });
  return (
    <>
      <h1>Authorize the CLI</h1>
      {request.isPending ? (
        <Loading what="the request" />
      ) : request.error ? (
        <ErrorMessage error={request.error} />
      ) : leaving ? (
        <p role="status">Done. Returning you to the CLI; you can close this tab once it says so.</p>
      ) : (
        <Consent
          client={request.data.client}
          requested={request.data.scopes}
          pending={decide.isPending}
          error={decide.error}
          onDecide={(decision, choice) => decide.mutate({ params: { query }, body: decision === 'approve' ? { decision, ...choice } : { decision } })}
        />
      )}
    </>
  );
}

export function OAuthDevice() {
  const [typed, setTyped] = useState(() => new URLSearchParams(window.location.search).get('user_code') ?? '');
  const [code, setCode] = useState('');
  const lookup = $api.useQuery('get', '/core/oauth/device', { params: { query: { user_code: code } } }, { enabled: !!code });
  const decide = $api.useMutation('post', '/core/oauth/device');
  if (decide.data) {
    return (
      <>
        <h1>Connect a device</h1>
        <p role="status">
          {decide.data.status === 'approved' ? 'Approved. The CLI on your device is signed in now; you can close this tab.' : 'Denied. The device was told no; nothing was granted.'}
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Connect a device</h1>
      {!code || lookup.error ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            // The same code again (e.g. after the device restarted its login): ask again.
            if (typed.trim() === code) void lookup.refetch();
            else setCode(typed.trim());
          }}
        >
          <label>
            Code shown by the device
            <input value={typed} onChange={(e) => setTyped(e.target.value)} required maxLength={16} placeholder="XXXX-XXXX" autoComplete="off" autoCapitalize="characters" spellCheck={false} className="mono" />
          </label>
          <ErrorMessage error={lookup.error} />
          <button type="submit" className="primary">Continue</button>
        </form>
      ) : lookup.isPending ? (
        <Loading what="the code" />
      ) : (
        <>
          <p>
            Code <code>{lookup.data.user_code}</code>, valid until {new Date(lookup.data.expires_at).toLocaleTimeString()}.
          </p>
          <Consent
            client={lookup.data.client}
            requested={lookup.data.scopes}
            pending={decide.isPending}
            error={decide.error}
            onDecide={(decision, choice) => decide.mutate({ body: decision === 'approve' ? { user_code: code, decision, ...choice } : { user_code: code, decision } })}
          />
        </>
      )}
    </>
  );
}
