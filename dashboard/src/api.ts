/**
 * The Dashboard's only way to the server: openapi-fetch over generated/types.ts, wrapped by
 * openapi-react-query. Paths, parameters and bodies are typed from the document, so a spec change
 * that breaks a call breaks `npm run check`. The session travels in its HttpOnly cookie
 * (`credentials: 'same-origin'`); no token is stored by the page.
 *
 * @module dashboard/api
 */
import createFetchClient from 'openapi-fetch';
import createClient from 'openapi-react-query';
import type { components, paths } from '../../generated/types.ts';

export type Schemas = components['schemas'];
export type ErrorEnvelope = Schemas['Error'];

export const fetchClient = createFetchClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
export const $api = createClient(fetchClient);

/** The error envelope when `err` is one (openapi-react-query throws the parsed body), else null. */
export function envelope(err: unknown): ErrorEnvelope['error'] | null {
  const e = (err as Partial<ErrorEnvelope> | null)?.error;
  return e && typeof e.code === 'string' && typeof e.message === 'string' ? e : null;
}

export const isUnauthorized = (err: unknown) => envelope(err)?.code === 'UNAUTHORIZED';
