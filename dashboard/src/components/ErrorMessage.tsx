/** An API failure as users need it: the envelope's message, and the request id to quote. */
import { envelope } from '../api.ts';

export function ErrorMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const e = envelope(error);
  return (
    <div role="alert" className="error">
      <p>{e ? e.message : 'The server could not be reached. Check your connection and try again.'}</p>
      {e && (
        <p className="muted small">
          {e.code} · request id <code>{e.request_id}</code>
        </p>
      )}
    </div>
  );
}
