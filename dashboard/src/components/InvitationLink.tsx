/**
 * The link of an invitation just made, with Copy: the server emails it too, but a self-hosted
 * server may have no SMTP, and the link is shown only in the answer to the invitation (the
 * server keeps a hash of its secret).
 */
import { useState } from 'react';

export function InvitationLink({ email, url }: { email: string; url: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <>
      <p className="muted small">
        The invitation email carries this link. If it does not arrive, send the link to {email} yourself: it is shown only now, it
        works for that address only, and inviting again replaces it.
      </p>
      <label>
        Invitation link
        <input readOnly value={url} onFocus={(e) => e.target.select()} className="mono" />
      </label>
      <button
        type="button"
        onClick={async () => {
          await navigator.clipboard.writeText(url);
          setCopied(true);
        }}
      >
        Copy link
      </button>
      {copied && <p role="status">Copied to the clipboard.</p>}
    </>
  );
}
