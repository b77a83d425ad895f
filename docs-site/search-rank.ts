/**
 * Ranking for the ⌘K dialog: every word of the query must start a word somewhere in the entry;
 * matches in the title weigh most, then exact keywords (operationId, path, SDK method), then the
 * context, then the prose. Pure and dependency-free: it runs in the browser (bundled into the
 * dialog) and in unit tests.
 *
 * @module docs-site/search-rank
 */
import type { EntryKind, SearchEntry } from './search-index.ts';

export interface Ranked {
  entry: SearchEntry;
  score: number;
}

const KIND_WEIGHT: Record<EntryKind, number> = {
  operation: 6,
  guide: 5,
  section: 5,
  tag: 3,
  parameter: 2,
  field: 2,
  response: 0,
};

export function terms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regular expression matching `term` at the start of a word. */
export function wordStart(term: string): RegExp {
  return new RegExp(`(^|[^\\p{L}\\p{N}])${escape(term)}`, 'iu');
}

export function score(entry: SearchEntry, query: string): number {
  const words = terms(query);
  if (!words.length) return 0;
  const title = entry.title.toLowerCase();
  let total = KIND_WEIGHT[entry.kind] ?? 0;
  for (const w of words) {
    const re = wordStart(w);
    let hit = 0;
    if (re.test(entry.title)) hit += 12;
    if (re.test(entry.keywords)) hit += 6;
    if (re.test(entry.context)) hit += 4;
    if (re.test(entry.text)) hit += 1;
    if (!hit) return 0;
    total += hit;
  }
  const phrase = words.join(' ');
  if (title === phrase) total += 40;
  else if (title.startsWith(phrase)) total += 10;
  if (words.length > 1) {
    if (title.includes(phrase)) total += 25;
    else if (entry.text.toLowerCase().includes(phrase)) total += 4;
  }
  return total;
}

/** Entries matching every word of the query, best first; ties keep the document's order. */
export function rank(entries: SearchEntry[], query: string, limit = 30): Ranked[] {
  return entries
    .map((entry, i) => ({ entry, score: score(entry, query), i }))
    .filter((r) => r.score > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, limit)
    .map(({ entry, score: s }) => ({ entry, score: s }));
}
