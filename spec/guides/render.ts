/**
 * Renders the guides (Markdown in this folder) into the document's `info.description`, filling
 * their `{{placeholders}}` from the document itself: the scope list from `SCOPE_GROUPS`, who may
 * call what from `x-credentials`/`x-scope`, prices from `x-price-microtokens*`, and each error
 * code's status from the Error schema's `x-status-by-code`. Facts are never retyped in prose, so
 * the guides cannot drift from what the server reads.
 *
 * @module spec/guides/render
 */
import { readFileSync } from 'node:fs';
import { SCOPE_GROUPS } from '../common.ts';

/** The guides, in reading order, after the overview. Each starts with one `# Title`. */
export const GUIDES = ['quick-start', 'authentication', 'token-model', 'errors', 'rate-limits', 'idempotency', 'streams'] as const;

// biome-ignore lint: the document is plain JSON of a known shape; only the parts read below are typed.
type Doc = any;
interface Op {
  method: string;
  path: string;
  // biome-ignore lint: an OpenAPI operation object.
  op: any;
}

const CREDENTIAL_NAMES: Record<string, string> = {
  session: 'session',
  apiKey: 'API token',
  browser: 'browser token',
  browserQuery: 'browser token in `?token=`',
  oauth: 'OAuth token',
};

export function readGuide(name: string): string {
  return readFileSync(new URL(`./${name}.md`, import.meta.url), 'utf8').trim();
}

function operations(doc: Doc): Op[] {
  return Object.entries<Doc>(doc.paths ?? {}).flatMap(([path, item]) =>
    Object.entries<Doc>(item).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
}

const code = (s: string) => `\`${s}\``;
/**
 * An operation as readers know it: its summary (prose wraps in narrow tables; ids do not), linked
 * with Redoc's `#operation/<operationId>` anchor.
 */
const name = (op: Doc) => `[${String(op.summary ?? op.operationId)}](#operation/${op.operationId})`;
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
function table(head: string[], rows: string[][]): string {
  return [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
}

/** Scopes an operation requires: its `x-scope`, or every distinct scope of `x-scope-by-op`. */
function requiredScopes(op: Doc): string[] {
  if (op['x-scope']) return [op['x-scope']];
  return [...new Set<string>(Object.values(op['x-scope-by-op'] ?? {}))];
}

function scopeTable(doc: Doc): string {
  const ops = operations(doc);
  const users = (scope: string) =>
    ops
      .filter(({ op }) => requiredScopes(op).includes(scope))
      .map(({ op }) => name(op))
      .join(', ');
  const blocks = [
    table(['Wildcard', 'Grants'], [[code('*'), ['every scope', users('*') && `required as such by ${users('*')}`].filter(Boolean).join('; ')]]),
  ];
  for (const [area, scopes] of Object.entries(SCOPE_GROUPS)) {
    const resources = [...new Set(scopes.map((s) => s.split(':')[0]))];
    const rows = [
      ...resources.map((r) => [code(`${r}:*`), `every \`${r}:\` scope`]),
      ...scopes.map((s) => [code(s), users(s) || 'no operation of this server yet']),
    ];
    blocks.push(`**${area}**\n\n${table(['Scope', 'Required by'], rows)}`);
  }
  return blocks.join('\n\n');
}

function credentialTable(doc: Doc): string {
  const rows = operations(doc).map(({ method, path, op }) => {
    const kinds: string[] = op['x-credentials'] ?? [];
    const byOp = op['x-scope-by-op'] as Record<string, string> | undefined;
    const scope = op['x-scope']
      ? code(op['x-scope'])
      : byOp
        ? Object.entries(byOp).map(([o, s]) => `${o}: ${code(s)}`).join(', ')
        : kinds.length
          ? 'none (see the operation)'
          : 'public';
    return [name(op), code(`${method} ${path}`), kinds.map((k) => CREDENTIAL_NAMES[k] ?? k).join(', ') || 'none', scope];
  });
  return table(['Operation', 'Request', 'Credentials', 'Scope'], rows);
}

function priceTable(doc: Doc): string {
  const rows = operations(doc).flatMap(({ method, path, op }) => {
    const price = op['x-price-microtokens'];
    const byOp = op['x-price-microtokens-by-op'] as Record<string, number> | undefined;
    if (price === undefined && !byOp) return [];
    const perMinute = op['x-price-microtokens-per-minute'] as number | undefined;
    const text =
      price !== undefined
        ? perMinute !== undefined
          ? `${price} μt per connection, then ${perMinute} μt per further minute open`
          : `${price} μt`
        : `per op: ${Object.entries(byOp ?? {}).map(([o, p]) => `${o} ${p} μt`).join(', ')}`;
    const per64KB = op['x-price-microtokens-per-64kb'] as number | undefined;
    const bySize = per64KB === undefined ? '' : `, plus ${per64KB} μt per further started 64 KB of a value past its first 64 KB`;
    return [[name(op), code(`${method} ${path}`), text + bySize]];
  });
  if (!rows.length) throw new Error('guides: no operation has an x-price-microtokens extension');
  return table(['Operation', 'Request', 'Price'], rows);
}

function errorEnvelope(doc: Doc): string {
  const example = doc.components?.schemas?.Error?.example;
  if (!example) throw new Error('guides: the Error schema has no example');
  return ['```json', JSON.stringify(example, null, 2), '```'].join('\n');
}

/** Adds the HTTP status under each `## CODE` heading, and checks the headings are exactly the codes. */
function withErrorStatuses(markdown: string, doc: Doc): string {
  const statusByCode: Record<string, number> = doc.components?.schemas?.Error?.['x-status-by-code'] ?? {};
  const seen = new Set<string>();
  const out = markdown.replace(/^## ([A-Z_]+)$/gm, (heading, name: string) => {
    const status = statusByCode[name];
    if (status === undefined) throw new Error(`guides/errors.md: ${name} is not an error code of the document`);
    seen.add(name);
    return `${heading}\n\n**HTTP ${status}** · \`"code": "${name}"\``;
  });
  const missing = Object.keys(statusByCode).filter((c) => !seen.has(c));
  if (missing.length) throw new Error(`guides/errors.md: no section for ${missing.join(', ')}`);
  return out;
}

const PLACEHOLDERS: Record<string, (doc: Doc) => string> = {
  'scope-table': scopeTable,
  'credential-table': credentialTable,
  'price-table': priceTable,
  'error-envelope': errorEnvelope,
};

export function renderGuide(name: string, doc: Doc): string {
  let text = readGuide(name).replace(/\{\{([a-z-]+)\}\}/g, (_, key: string) => {
    const render = PLACEHOLDERS[key];
    if (!render) throw new Error(`guides/${name}.md: unknown placeholder {{${key}}}`);
    return render(doc);
  });
  if (name === 'errors') text = withErrorStatuses(text, doc);
  return text;
}

/** The whole `info.description`: the overview, then every guide. */
export function renderGuides(doc: Doc): string {
  return [readGuide('overview'), ...GUIDES.map((g) => renderGuide(g, doc))].join('\n\n');
}
