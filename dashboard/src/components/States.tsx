/** Loading and empty states, the same everywhere. */
import type { ReactNode } from 'react';

export const Loading = ({ what }: { what: string }) => (
  <p className="muted" role="status">
    Loading {what}…
  </p>
);

export const Empty = ({ children }: { children: ReactNode }) => <div className="empty">{children}</div>;
