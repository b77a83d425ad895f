/**
 * Every migration, by name. Names sort in the order they run; each module owns its tables.
 *
 * @module server/db/migrations
 */
import type { Migration } from 'kysely';
import type { Dialect } from '../index.ts';

export function migrations(_dialect: Dialect): Record<string, Migration> {
  return {};
}
