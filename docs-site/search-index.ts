/**
 * The ⌘K search index, built with the site from the document: the guides and each of their
 * sections, tags, operations, and every parameter and request/response field with its
 * constraints. Each entry carries the Redoc route it opens, so Enter lands on the right heading
 * or field. The dialog (search-dialog.ts) ranks entries; this file decides what is findable.
 *
 * @module docs-site/search-index
 */
import { type Json, operations, parameters, requestBody, successResponse } from '../lib/openapi-document.ts';
import { fieldHref, guideSections, operationHref, plainText, tagHref } from './guide-sections.ts';
import { constraintsOf, fieldsOf } from './schema-fields.ts';

export type EntryKind = 'guide' | 'section' | 'tag' | 'operation' | 'parameter' | 'field' | 'response';

export interface SearchEntry {
  kind: EntryKind;
  /** What the result shows in bold: a heading, an operation summary, a field name. */
  title: string;
  /** Where it is: `Authentication`, `POST /infra/kv/{key}/increment`, `Create a project · body`. */
  context: string;
  /** Exact words worth a strong match: operationId, path, SDK method, scope. */
  keywords: string;
  /** Prose to match and to show a snippet from. */
  text: string;
  href: string;
  /** `GET`, `POST`… for operations, shown as a badge. */
  method?: string;
}

/** Longest text kept per entry: enough for a snippet and for matching the section's words. */
const MAX_TEXT = 1200;
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

export function buildSearchIndex(doc: Json): SearchEntry[] {
  const entries: SearchEntry[] = [];

  for (const s of guideSections(doc)) {
    entries.push({
      kind: s.level === 2 ? 'section' : 'guide',
      title: s.title,
      context: s.level === 2 ? s.guide : s.level === 1 ? 'Guide' : 'Overview',
      keywords: '',
      text: clip(plainText(s.markdown)),
      href: s.href,
    });
  }

  for (const tag of doc.tags ?? []) {
    entries.push({ kind: 'tag', title: tag.name, context: 'API', keywords: '', text: clip(plainText(tag.description ?? '')), href: tagHref(tag.name) });
  }

  for (const operation of operations(doc)) {
    const { op, tag, operationId } = operation;
    const method = operation.method.toUpperCase();
    const summary: string = op.summary ?? operationId;
    const sdk = op['x-sdk'];
    entries.push({
      kind: 'operation',
      title: summary,
      context: `${method} ${operation.path}`,
      keywords: [operationId, operation.path, sdk ? `ss.${sdk.method}` : '', sdk?.static ?? '', op['x-scope'] ?? '', tag].filter(Boolean).join(' '),
      text: clip(plainText(op.description ?? '')),
      href: operationHref(tag, operationId),
      method,
    });

    for (const p of parameters(doc, operation)) {
      entries.push({
        kind: 'parameter',
        title: p.name,
        context: `${summary} · ${p.in} parameter`,
        keywords: `${operationId} ${p.name}`,
        text: clip(plainText([p.description ?? '', ...constraintsOf(doc, p.schema)].filter(Boolean).join(' · '))),
        href: fieldHref(tag, operationId, { in: p.in }, p.name),
      });
    }

    const body = requestBody(doc, operation);
    for (const f of body ? fieldsOf(doc, body.schema) : []) {
      // Redoc deep-links top-level fields; nested ones (`ops[].key`) open the operation.
      const nested = /[.[]/.test(f.name);
      entries.push({
        kind: 'field',
        title: f.name,
        context: `${summary} · request body`,
        keywords: `${operationId} ${f.name}`,
        text: clip(plainText([f.description, ...f.constraints].filter(Boolean).join(' · '))),
        href: nested ? operationHref(tag, operationId) : fieldHref(tag, operationId, {}, f.name),
      });
    }

    const ok = successResponse(doc, operation);
    const schema = ok?.response?.content?.['application/json']?.schema;
    for (const f of schema ? fieldsOf(doc, schema).filter((x) => !/[.[]/.test(x.name)) : []) {
      entries.push({
        kind: 'response',
        title: f.name,
        context: `${summary} · response ${ok?.status}`,
        keywords: `${operationId} ${f.name}`,
        text: clip(plainText(f.description)),
        href: fieldHref(tag, operationId, { response: ok?.status }, f.name),
      });
    }
  }
  return entries;
}
