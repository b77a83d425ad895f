/**
 * `/auth/verify-email?token=…`: the page the verification email links to. It verifies the
 * address on opening (GET /api/auth/verify-email) and sends the user on to sign in.
 */
import { $api } from '../api.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Loading } from '../components/States.tsx';
import { Link } from '../router.tsx';

export function VerifyEmail() {
  const token = new URLSearchParams(window.location.search).get('token') ?? '';
  const verify = $api.useQuery('get', '/api/auth/verify-email', { params: { query: { token } } }, { enabled: token !== '', retry: false, staleTime: Number.POSITIVE_INFINITY });
  return (
    <main className="auth">
      <h1>Verify your email</h1>
      {token === '' ? (
        <p>This page needs the link from the verification email.</p>
      ) : verify.isPending ? (
        <Loading what="verification" />
      ) : verify.error ? (
        <ErrorMessage error={verify.error} />
      ) : (
        <p role="status"><strong>{verify.data.user.email}</strong> is verified.</p>
      )}
      <p><Link to="/auth/sign-in">Sign in</Link></p>
    </main>
  );
}
