/**
 * The signed-in frame: a header with the user and Sign out, and the sidebar listing the user's
 * organizations (Create Organization at its foot) and, inside one, its sections.
 */
import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { $api } from '../api.ts';
import { Link, navigate } from '../router.tsx';
import { CreateOrganization } from './CreateOrganization.tsx';

export interface Place {
  orgId?: string;
  projectId?: string;
}

function OrgNav({ orgId, projectId }: { orgId: string; projectId?: string }) {
  const base = `/orgs/${orgId}`;
  const project = $api.useQuery('get', '/core/organizations/{org_id}/projects/{project_id}', { params: { path: { org_id: orgId, project_id: projectId ?? '' } } }, { enabled: !!projectId });
  return (
    <>
      <ul className="nav">
        <li><Link to={base}>Overview</Link></li>
        <li><Link to={`${base}/projects`}>Projects</Link></li>
        <li><Link to={`${base}/members`}>Members</Link></li>
        <li><Link to={`${base}/usage`}>Usage</Link></li>
        <li><Link to={`${base}/settings`}>Settings</Link></li>
      </ul>
      {projectId && (
        <>
          <h2 className="nav-title">{project.data?.name ?? 'Project'}</h2>
          <ul className="nav" aria-label="Project">
            <li><Link to={`${base}/projects/${projectId}`}>Project overview</Link></li>
            <li><Link to={`${base}/projects/${projectId}/tokens`}>Tokens</Link></li>
            <li><Link to={`${base}/projects/${projectId}/kv`}>KV Store</Link></li>
            <li><Link to={`${base}/projects/${projectId}/channels`}>Channels</Link></li>
            <li><Link to={`${base}/projects/${projectId}/settings`}>Project settings</Link></li>
          </ul>
        </>
      )}
    </>
  );
}

export function Layout({ place, user, children }: { place: Place; user: { name: string; email: string }; children: ReactNode }) {
  const orgs = $api.useQuery('get', '/core/organizations', { params: { query: { limit: 100 } } });
  const queryClient = useQueryClient();
  const signOut = $api.useMutation('post', '/api/auth/sign-out', {
    onSettled: () => {
      queryClient.clear();
      navigate('/auth/sign-in');
    },
  });
  const [menuOpen, setMenuOpen] = useState(false);
  return (
    <div className="shell">
      <header className="topbar">
        <button type="button" className="menu-button" aria-expanded={menuOpen} aria-controls="sidebar" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <Link to="/" className="brand">SaaSignal</Link>
        <span className="user muted" title={user.email}>{user.name}</span>
        <button type="button" onClick={() => signOut.mutate({})} disabled={signOut.isPending}>
          Sign out
        </button>
      </header>
      <nav id="sidebar" className={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Dashboard" onClick={(e) => (e.target as HTMLElement).closest('a') && setMenuOpen(false)}>
        <h2 className="nav-title">Organizations</h2>
        {orgs.isPending ? (
          <p className="muted small">Loading…</p>
        ) : (
          <ul className="nav" aria-label="Organizations">
            {orgs.data?.organizations.map((o) => (
              <li key={o.id}>
                <Link to={`/orgs/${o.id}`} className={o.id === place.orgId ? 'selected' : undefined}>
                  {o.name}
                </Link>
              </li>
            ))}
          </ul>
        )}
        <CreateOrganization />
        <ul className="nav">
          <li><Link to="/invitations">Invitations</Link></li>
          <li><Link to="/account/cli-sessions">CLI sessions</Link></li>
        </ul>
        {place.orgId && <OrgNav orgId={place.orgId} projectId={place.projectId} />}
      </nav>
      <main className="content">{children}</main>
    </div>
  );
}
