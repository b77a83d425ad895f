/**
 * The site remembers which document it was built from (a SHA-256 of openapi.json in
 * `dist/.source-sha256`), so `ensureDocs()` can rebuild a site that `npm run generate` outdated.
 *
 * @module docs-site/stamp
 */
import { createHash } from 'node:crypto';

export const STAMP_FILE = '.source-sha256';

export function sourceHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
