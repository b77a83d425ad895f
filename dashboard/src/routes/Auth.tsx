/**
 * `/auth/sign-up` and `/auth/sign-in`. The answer sets the HttpOnly session cookie; the JSON
 * `token` in it is deliberately dropped (nothing is kept in storage). `?next=` returns the user
 * where they were going, query string included (an invitation link, an OAuth consent request).
 * A server that requires verified emails answers sign-up with 202 (the same for a taken email):
 * then the page says to open the emailed link.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { passwordRule } from 'virtual:saasignal-document';
import { $api } from '../api.ts';
import { safeNext } from '../paths.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Link, navigate } from '../router.tsx';

/** Only same-origin paths (query kept): an open redirect through `?next=` would be a phishing aid. */
function nextPath(fallback: string): string {
  return safeNext(new URLSearchParams(window.location.search).get('next'), window.location.origin) ?? fallback;
}

function useAfterAuth() {
  const queryClient = useQueryClient();
  return (result: { default_org_id: string | null }) => {
    queryClient.clear();
    navigate(nextPath(result.default_org_id ? `/orgs/${result.default_org_id}` : '/'));
  };
}

export function SignUp() {
  const [form, setForm] = useState({ name: '', email: '', password: '' });
  const [pending, setPending] = useState<string | null>(null);
  const done = useAfterAuth();
  const signUp = $api.useMutation('post', '/api/auth/sign-up/email', {
    onSuccess: (result) => ('token' in result ? done(result) : setPending(result.email)),
  });
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const next = window.location.search;
  if (pending) {
    return (
      <main className="auth">
        <h1>Check your email</h1>
        <p role="status">We sent a message to <strong>{pending}</strong>. Open the link in it to verify your address, then sign in.</p>
        <p><Link to={`/auth/sign-in${next}`}>Sign in</Link></p>
      </main>
    );
  }
  return (
    <main className="auth">
      <h1>Create your SaaSignal account</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          signUp.mutate({ body: form });
        }}
      >
        <label>Name<input value={form.name} onChange={set('name')} required maxLength={100} autoComplete="name" /></label>
        <label>Email<input type="email" value={form.email} onChange={set('email')} required autoComplete="email" /></label>
        <label>
          Password
          <input type="password" value={form.password} onChange={set('password')} required minLength={passwordRule.minLength} maxLength={passwordRule.maxLength} autoComplete="new-password" aria-describedby="pw-hint" />
        </label>
        <p id="pw-hint" className="muted small">At least {passwordRule.minLength} characters, and not a common password.</p>
        <ErrorMessage error={signUp.error} />
        <button type="submit" className="primary" disabled={signUp.isPending}>Sign up</button>
      </form>
      <p>Already have an account? <Link to={`/auth/sign-in${next}`}>Sign in</Link></p>
    </main>
  );
}

export function SignIn() {
  const [form, setForm] = useState({ email: '', password: '' });
  const done = useAfterAuth();
  const signIn = $api.useMutation('post', '/api/auth/sign-in/email', { onSuccess: done });
  const next = window.location.search;
  return (
    <main className="auth">
      <h1>Sign in to SaaSignal</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          signIn.mutate({ body: form });
        }}
      >
        <label>Email<input type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} required autoComplete="email" /></label>
        <label>Password<input type="password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required autoComplete="current-password" /></label>
        <ErrorMessage error={signIn.error} />
        <button type="submit" className="primary" disabled={signIn.isPending}>Sign in</button>
      </form>
      <p>New here? <Link to={`/auth/sign-up${next}`}>Create an account</Link></p>
    </main>
  );
}
