/**
 * `llms.txt` and its pages, for tools and AI assistants: an index in the llms.txt format, one
 * Markdown page per operation (method, path, scope, price, every parameter and body field with
 * its constraints, responses, errors, curl and SDK samples) and one per guide, plus
 * `llms-full.txt`, everything in one file. All of it is read from the document.
 *
 * @module docs-site/llms
 * @see https://llmstxt.org/
 */
import { codeSamples } from './code-samples.ts';
import { type Json, type Operation, operations, parameters, requestBody, resolve, serverUrl } from '../lib/openapi-document.ts';
import { exampleOf } from './examples.ts';
import { guideSections, headingSlug } from './guide-sections.ts';
import { constraintsOf, type Field, fieldsOf, typeName } from './schema-fields.ts';

const CREDENTIALS: Record<string, string> = {
  session: 'session token (`Authorization: Bearer <token>` or the session cookie)',
  apiKey: 'API token `sk_live_…` / `sk_test_…` (`Authorization: Bearer <token>` or `X-Api-Key: <token>`)',
  browser: 'browser token `bt_…` (`Authorization: Bearer <token>`)',
  browserQuery: 'browser token `bt_…` in the `token` query parameter',
};

/** Table cells cannot hold newlines or bare pipes. */
const cell = (s: string) => s.replace(/\r?\n+/g, ' ').replace(/\|/g, '\\|').trim() || '—';
const code = (s: string) => `\`${s}\``;

function table(head: string[], rows: string[][]): string {
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

function fieldTable(fields: Field[], label: string): string {
  return table(
    [label, 'Type', 'Required', 'Description', 'Constraints'],
    fields.map((f) => [code(f.name), f.type, f.required ? 'yes' : 'no', f.description, f.constraints.join('; ')]),
  );
}

function json(value: unknown): string {
  return ['```json', JSON.stringify(value, null, 2), '```'].join('\n');
}

/** The description without the scope and price notes, which the page lists from the extensions. */
function prose(description: string): string {
  return description
    .split(/\n{2,}/)
    .filter((p) => !/^\*\*(Required scope|Price):\*\*/.test(p.trim()))
    .join('\n\n')
    .trim();
}

export function llmsPageName(operation: Operation): string {
  return `llms/${operation.operationId}.md`;
}

function scopeText(op: Json): string {
  if (op['x-scope']) return code(op['x-scope']);
  const byOp = op['x-scope-by-op'] as Record<string, string> | undefined;
  if (byOp) return `per op: ${Object.entries(byOp).map(([o, s]) => `${code(o)} needs ${code(s)}`).join(', ')}`;
  return (op['x-credentials'] ?? []).length ? 'none beyond the credential (see the description)' : 'none (public)';
}

function priceText(op: Json): string {
  if (op['x-price-microtokens'] !== undefined) return `${op['x-price-microtokens']} μt per call`;
  const byOp = op['x-price-microtokens-by-op'] as Record<string, number> | undefined;
  if (byOp) return `per op: ${Object.entries(byOp).map(([o, p]) => `${code(o)} ${p} μt`).join(', ')}`;
  return 'free (not metered)';
}

function sdkSignature(op: Json): string | undefined {
  const sdk = op['x-sdk'];
  if (!sdk) return undefined;
  const args = (sdk.args as string[]).map((a) => (a.includes(':') ? a.split(':')[1] : a === 'path+body' ? 'params' : a));
  return sdk.static ? `SaaSignalClient.${sdk.static}({ apiKey, ...body })` : `ss.${sdk.method}(${args.join(', ')})`;
}

/** One operation as a Markdown page. */
export function operationPage(doc: Json, operation: Operation): string {
  const { op } = operation;
  const out: string[] = [`# ${op.summary ?? operation.operationId}`, ''];
  const kinds: string[] = op['x-credentials'] ?? [];
  out.push(
    `- Request: ${code(`${operation.method.toUpperCase()} ${operation.path}`)} on ${code(serverUrl(doc) || '/')}`,
    `- Operation ID: ${code(operation.operationId)} (tag ${operation.tag})`,
    ...(sdkSignature(op) ? [`- SDK: ${code(sdkSignature(op) as string)}`] : []),
    `- Credentials: ${kinds.length ? kinds.map((k) => CREDENTIALS[k] ?? k).join('; or ') : 'none (public)'}`,
    `- Required scope: ${scopeText(op)}`,
    `- Price: ${priceText(op)}`,
    '',
    prose(op.description ?? ''),
    '',
  );

  const params = parameters(doc, operation);
  for (const where of ['path', 'query', 'header'] as const) {
    const list = params.filter((p) => p.in === where);
    if (!list.length) continue;
    out.push(`## ${where[0].toUpperCase()}${where.slice(1)} parameters`, '');
    out.push(
      fieldTable(
        list.map((p) => ({
          name: p.name,
          type: typeName(doc, p.schema),
          required: p.required,
          description: p.description ?? '',
          constraints: constraintsOf(doc, p.schema),
        })),
        'Name',
      ),
      '',
    );
  }

  const body = requestBody(doc, operation);
  if (body) {
    out.push(`## Request body (application/json, ${body.required ? 'required' : 'optional'})`, '');
    const top = constraintsOf(doc, body.schema);
    if (top.length) out.push(`The body: ${top.join('; ')}.`, '');
    out.push(fieldTable(fieldsOf(doc, body.schema), 'Field'), '', 'Example:', '', json(exampleOf(doc, body.schema)), '');
  }

  out.push('## Responses', '');
  for (const [status, ref] of Object.entries<Json>(op.responses ?? {})) {
    const response = resolve(doc, ref);
    out.push(`### ${status}: ${response.description ?? ''}`.trim(), '');
    const headers = Object.keys(response.headers ?? {});
    if (headers.length) out.push(`Headers: ${headers.map(code).join(', ')}.`, '');
    const [mediaType, media] = Object.entries<Json>(response.content ?? {})[0] ?? [];
    if (!media) continue;
    if (/^[45]/.test(status)) {
      // Every error has the one envelope (the Errors guide shows it): list the codes, not the body.
      const codes = Object.entries<number>(doc.components?.schemas?.Error?.['x-status-by-code'] ?? {})
        .filter(([, s]) => String(s) === status)
        .map(([c]) => code(c));
      out.push(`Body: the error envelope${codes.length ? `, with \`error.code\` one of ${codes.join(', ')}` : ''}.`, '');
      continue;
    } else {
      const fields = fieldsOf(doc, media.schema);
      if (fields.length) out.push(fieldTable(fields, 'Field'), '');
    }
    const example = media.example ?? exampleOf(doc, media.schema);
    if (example !== undefined) {
      out.push(mediaType === 'application/json' ? json(example) : ['```', String(example).trimEnd(), '```'].join('\n'), '');
    }
  }

  out.push('## Examples', '');
  for (const sample of codeSamples(doc, operation)) {
    out.push(`### ${sample.label}`, '', `\`\`\`${sample.label === 'curl' ? 'bash' : 'ts'}`, sample.source, '```', '');
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

export function guidePageName(title: string): string {
  return `llms/guides/${headingSlug(title).replace(/[^a-z0-9-]/g, '')}.md`;
}

/** The guides, one page each, with the page's `#/section/…` links turned into links between pages. */
export function guidePages(doc: Json): { name: string; title: string; summary: string; text: string }[] {
  const sections = guideSections(doc).filter((s) => s.level > 0);
  const guides = sections.filter((s) => s.level === 1);
  const pageOf = (slug: string) => guides.find((g) => headingSlug(g.title) === slug);
  return guides.map((g) => {
    const parts = sections.filter((s) => s.guide === g.title);
    const text = parts
      .map((s) => `${s.level === 1 ? '#' : '##'} ${s.title}\n\n${s.markdown}`)
      .join('\n\n')
      .replace(/\]\(#\/section\/([^/)]+)(?:\/([^)]+))?\)/g, (all, guide: string, section?: string) => {
        const target = pageOf(guide);
        return target ? `](${guidePageName(target.title).slice('llms/guides/'.length)}${section ? `#${section}` : ''})` : all;
      })
      // Links to operations (`#operation/<operationId>`) go to their pages, one folder up.
      .replace(/\]\(#operation\/([A-Za-z0-9_]+)\)/g, (_, id: string) => `](../${id}.md)`);
    const summary = g.markdown.split('\n\n')[0].replace(/\s+/g, ' ').trim();
    return { name: guidePageName(g.title), title: g.title, summary, text: `${text.trim()}\n` };
  });
}

function firstSentence(text: string): string {
  const line = prose(text).split('\n')[0] ?? '';
  const m = /^(.+?[.!?])(\s|$)/.exec(line);
  return (m ? m[1] : line).trim();
}

/** Every file of the llms output, by path relative to the site's root. */
export function renderLlms(doc: Json): Record<string, string> {
  const files: Record<string, string> = {};
  const ops = operations(doc);
  const guides = guidePages(doc);
  const overview = guideSections(doc)[0]?.markdown ?? '';

  const index: string[] = [`# ${doc.info?.title ?? 'API'}`, ''];
  if (doc.info?.summary) index.push(`> ${doc.info.summary}`, '');
  index.push(
    overview,
    '',
    `Base URL: ${code(serverUrl(doc))} (the default of \`servers[0]\`). The OpenAPI 3.1 document: [openapi.json](openapi.json), [openapi.yaml](openapi.yaml). Everything below in one file: [llms-full.txt](llms-full.txt).`,
    '',
    '## Guides',
    '',
    ...guides.map((g) => `- [${g.title}](${g.name}): ${g.summary}`),
    '',
  );
  const tags: string[] = [...new Set(ops.map((o) => o.tag))];
  for (const tag of tags) {
    index.push(`## ${tag}`, '');
    const description = (doc.tags ?? []).find((t: Json) => t.name === tag)?.description;
    if (description) index.push(description, '');
    for (const o of ops.filter((x) => x.tag === tag)) {
      index.push(`- [${o.op.summary}](${llmsPageName(o)}): ${code(`${o.method.toUpperCase()} ${o.path}`)}. ${firstSentence(o.op.description ?? '')}`);
    }
    index.push('');
  }
  files['llms.txt'] = `${index.join('\n').trim()}\n`;

  for (const g of guides) files[g.name] = g.text;
  for (const o of ops) files[llmsPageName(o)] = operationPage(doc, o);
  files['llms-full.txt'] = [files['llms.txt'], ...guides.map((g) => g.text), ...ops.map((o) => files[llmsPageName(o)])].join('\n---\n\n');
  return files;
}
