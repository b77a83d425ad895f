/**
 * Pagination, the same on every list: `limit` (default 50) and an opaque `cursor` in,
 * `next_cursor` out. Lists are ordered by id (ULIDs, so by creation), and the cursor is the last
 * id of the page in base64url: stable under concurrent inserts and deletes.
 *
 * @module server/http/pagination
 */
import { ApiError } from '../errors.ts';

export const DEFAULT_LIMIT = 50;

export interface Page {
  limit: number;
  /** Return items whose sort key is strictly greater than this. */
  after: string | null;
}

export function pageOf(query: { limit?: number | string; cursor?: string }): Page {
  const limit = query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit);
  if (query.cursor === undefined) return { limit, after: null };
  const decoded = Buffer.from(query.cursor, 'base64url').toString('utf8');
  if (!decoded.startsWith('id:')) {
    throw new ApiError('INVALID_REQUEST', 'The cursor is not one this list returned.', {
      details: [{ path: '/query/cursor', message: 'must be a next_cursor from a previous page' }],
    });
  }
  return { limit, after: decoded.slice(3) };
}

/** Takes `limit + 1` fetched rows and returns the page and the cursor of the next one. */
export function finishPage<T>(rows: T[], page: Page, key: (row: T) => string): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, page.limit);
  const more = rows.length > page.limit;
  return { items, next_cursor: more ? Buffer.from(`id:${key(items[items.length - 1])}`).toString('base64url') : null };
}
