/**
 * The Dashboard's entry: one QueryClient, the session check, and the route table. Signed-out
 * visitors of a signed-in page go to sign-in and come back (`?next=`).
 *
 * @module dashboard/main
 */
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { $api, isUnauthorized } from './api.ts';
import { ErrorMessage } from './components/ErrorMessage.tsx';
import { Layout, type Place } from './components/Layout.tsx';
import { Loading } from './components/States.tsx';
import type { AppPath } from './paths.ts';
import { match, navigate, useLocation } from './router.tsx';
import { SignIn, SignUp } from './routes/Auth.tsx';
import { Channels } from './routes/Channels.tsx';
import { CliSessions } from './routes/CliSessions.tsx';
import { Home } from './routes/Home.tsx';
import { Invitation } from './routes/Invitation.tsx';
import { Invitations } from './routes/Invitations.tsx';
import { KvStore } from './routes/KvStore.tsx';
import { Members } from './routes/Members.tsx';
import { OAuthAuthorize, OAuthDevice } from './routes/OAuth.tsx';
import { OrgOverview } from './routes/OrgOverview.tsx';
import { OrgSettings } from './routes/OrgSettings.tsx';
import { ProjectOverview, ProjectSettings } from './routes/Project.tsx';
import { Projects } from './routes/Projects.tsx';
import { Tokens } from './routes/Tokens.tsx';
import { Usage } from './routes/Usage.tsx';
import { VerifyEmail } from './routes/VerifyEmail.tsx';
import './styles.css';

type Params = Record<string, string>;
interface Route {
  pattern: AppPath;
  title: string;
  render: (p: Params) => React.ReactNode;
}

/** Signed-in pages (the server answers exactly APP_PATHS with index.html; see paths.ts). */
const routes: Route[] = [
  { pattern: '/', title: 'Dashboard', render: () => <Home /> },
  { pattern: '/invitations', title: 'Invitations', render: () => <Invitations /> },
  { pattern: '/invitations/:id', title: 'Invitation', render: (p) => <Invitation id={p.id} /> },
  { pattern: '/orgs/:org', title: 'Organization', render: (p) => <OrgOverview org={p.org} /> },
  { pattern: '/orgs/:org/settings', title: 'Settings', render: (p) => <OrgSettings org={p.org} /> },
  { pattern: '/orgs/:org/members', title: 'Members', render: (p) => <Members org={p.org} /> },
  { pattern: '/orgs/:org/usage', title: 'Usage', render: (p) => <Usage org={p.org} /> },
  { pattern: '/orgs/:org/projects', title: 'Projects', render: (p) => <Projects org={p.org} /> },
  { pattern: '/orgs/:org/projects/:project', title: 'Project', render: (p) => <ProjectOverview org={p.org} project={p.project} /> },
  { pattern: '/orgs/:org/projects/:project/settings', title: 'Project settings', render: (p) => <ProjectSettings org={p.org} project={p.project} /> },
  { pattern: '/orgs/:org/projects/:project/tokens', title: 'Tokens', render: (p) => <Tokens org={p.org} project={p.project} /> },
  { pattern: '/orgs/:org/projects/:project/kv', title: 'KV Store', render: (p) => <KvStore org={p.org} project={p.project} /> },
  { pattern: '/orgs/:org/projects/:project/channels', title: 'Channels', render: (p) => <Channels org={p.org} project={p.project} /> },
  { pattern: '/account/cli-sessions', title: 'CLI sessions', render: () => <CliSessions /> },
  { pattern: '/oauth/authorize', title: 'Authorize the CLI', render: () => <OAuthAuthorize /> },
  { pattern: '/oauth/device', title: 'Connect a device', render: () => <OAuthDevice /> },
];

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>Nothing lives at this address in the Dashboard.</p>
    </>
  );
}

function SignedIn({ path }: { path: string }) {
  const session = $api.useQuery('get', '/api/auth/get-session', {}, { retry: false, staleTime: 60_000 });
  const unauthorized = session.error && isUnauthorized(session.error);
  let params: Params | null = null;
  const route = routes.find((r) => (params = match(r.pattern, path)));
  useEffect(() => {
    document.title = `${route?.title ?? 'Not found'} · SaaSignal`;
  }, [route]);
  if (session.isPending || unauthorized) return <Loading what="your session" />;
  if (session.error) return <ErrorMessage error={session.error} />;
  const place: Place = { orgId: params?.['org'], projectId: params?.['project'] };
  return (
    <Layout place={place} user={session.data.user}>
      {route && params ? route.render(params) : <NotFound />}
    </Layout>
  );
}

function App() {
  const path = useLocation().split('?')[0];
  if (path === '/auth/sign-up') return <SignUp />;
  if (path === '/auth/sign-in') return <SignIn />;
  if (path === '/auth/verify-email') return <VerifyEmail />;
  return <SignedIn path={path} />;
}

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx does not get better by retrying; a flaky network might.
      retry: (count, err) => count < 2 && !(err as { error?: unknown })?.error,
      refetchOnWindowFocus: false,
    },
  },
  queryCache: new QueryCache({
    // The session ended (signed out in another tab, expired): to sign-in, then back here.
    onError: (err) => {
      // The query string too: the OAuth consent page's request lives there.
      const { pathname, search } = window.location;
      if (isUnauthorized(err) && !pathname.startsWith('/auth/')) navigate(`/auth/sign-in?next=${encodeURIComponent(pathname + search)}`, { replace: true });
    },
  }),
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
