/**
 * The guides as the docs page shows them: `info.description` split at its `#` and `##` headings,
 * each section with the route Redoc gives it (`#/section/errors/not_found`). The search index and
 * llms.txt both start from here, so they point where the page really is.
 *
 * @module docs-site/guide-sections
 */
import type { Json } from '../lib/openapi-document.ts';

export interface GuideSection {
  /** 1 for a guide (`#`), 2 for a section of it (`##`); 0 for the overview before the first guide. */
  level: 0 | 1 | 2;
  title: string;
  /** The guide this section belongs to (its own title for a guide). */
  guide: string;
  /** Redoc's route for the heading, e.g. `#/section/authentication/browser-tokens`. */
  href: string;
  /** The Markdown under the heading, up to the next heading of any level. */
  markdown: string;
}

/**
 * Redoc 3's slug of a heading: lower case, runs of whitespace as one `-`, everything else kept
 * (`API tokens: live and test` -> `api-tokens:-live-and-test`). The browser test checks every
 * route against the rendered page.
 */
export function headingSlug(title: string): string {
  return title.trim().toLowerCase().replace(/\s+/g, '-');
}

/** Redoc 3's route of a tag: `#/kv`, `#/organizations`. */
export function tagHref(tag: string): string {
  return `#/${headingSlug(tag)}`;
}

/** Redoc 3's route of an operation: `#/kv/incrementvalue`. */
export function operationHref(tag: string, operationId: string): string {
  return `${tagHref(tag)}/${operationId.toLowerCase()}`;
}

/**
 * Redoc 3's deep link to a parameter or field of an operation, e.g.
 * `#/kv/scankeys#kv/scankeys/t=request&in=query&path=limit`.
 */
export function fieldHref(tag: string, operationId: string, where: { in?: string; response?: string }, path: string): string {
  const base = operationHref(tag, operationId);
  const query = where.response
    ? `t=response&c=${where.response}&path=${path}`
    : `t=request${where.in ? `&in=${where.in}` : ''}&path=${path}`;
  return `${base}${base.replace(/^#\//, '#')}/${query}`;
}

/** Splits the info description into the overview and its guide sections, outside code fences. */
export function guideSections(doc: Json): GuideSection[] {
  const lines = String(doc.info?.description ?? '').split('\n');
  const sections: GuideSection[] = [{ level: 0, title: doc.info?.title ?? 'Overview', guide: '', href: '#/', markdown: '' }];
  let fence = false;
  let guide = '';
  for (const line of lines) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    const heading = fence ? null : /^(#{1,2})\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      const level = heading[1].length as 1 | 2;
      const title = heading[2];
      if (level === 1) guide = title;
      const href = level === 1 ? `#/section/${headingSlug(title)}` : `#/section/${headingSlug(guide)}/${headingSlug(title)}`;
      sections.push({ level, title, guide, href, markdown: '' });
      continue;
    }
    const current = sections[sections.length - 1];
    current.markdown += `${line}\n`;
  }
  for (const s of sections) s.markdown = s.markdown.trim();
  return sections;
}

/** Markdown reduced to searchable prose: no fences' markers, links' targets, emphasis or table bars. */
export function plainText(markdown: string): string {
  return markdown
    .replace(/^\s*(```|~~~).*$/gm, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/`|\*\*/g, '')
    .replace(/^\s{0,3}(#{1,6}|>)\s?/gm, '')
    .replace(/\|/g, ' ')
    .replace(/(^|\s)-{3,}(?=\s|$)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
