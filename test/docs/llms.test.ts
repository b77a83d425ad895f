/**
 * llms.txt and its pages: the index links every guide and operation to a page that exists, and
 * each operation page carries what a tool needs to call it — method and path, credentials,
 * scope, price, every parameter and field with every constraint, responses, and the samples.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeSamples } from '../../docs-site/code-samples.ts';
import { type Json, operations } from '../../lib/openapi-document.ts';
import { llmsPageName, renderLlms } from '../../docs-site/llms.ts';

const doc: Json = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const files = renderLlms(doc);
const page = (id: string) => files[`llms/${id}.md`];

describe('llms.txt', () => {
  const index = files['llms.txt'];

  it('follows the llms.txt format: title, summary, sections of links', () => {
    expect(index.startsWith(`# ${doc.info.title}\n\n> ${doc.info.summary}\n`)).toBe(true);
    expect(index).toMatch(/^## Guides$/m);
    for (const tag of doc.tags) expect(index).toMatch(new RegExp(`^## ${tag.name}$`, 'm'));
  });

  it('links every operation and every guide, and every link resolves to a file of the site', () => {
    const links = [...index.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
    for (const op of operations(doc)) expect(links).toContain(llmsPageName(op));
    for (const title of ['quick-start', 'authentication', 'token-model', 'errors', 'rate-limits', 'idempotency', 'streams']) {
      expect(links).toContain(`llms/guides/${title}.md`);
    }
    const published = new Set([...Object.keys(files), 'openapi.json', 'openapi.yaml']);
    for (const link of links) expect(published, link).toContain(link);
  });

  it('puts everything into llms-full.txt', () => {
    for (const [name, text] of Object.entries(files)) {
      if (name !== 'llms-full.txt') expect(files['llms-full.txt']).toContain(text.trim());
    }
  });
});

describe('operation pages', () => {
  it.each([
    [
      'setValue',
      [
        '- Request: `PUT /infra/kv/{key}`',
        '- SDK: `ss.infra.kv.set(key, value, body)`',
        '- Required scope: `kv:write`',
        '- Price: 2 μt per call',
        '| `key` | string | yes |',
        '1–512 chars; pattern `^(?!.*\\.\\.)[^\\x00-\\x1f\\x7f]+$`; not `.`',
        '| `value` | any JSON | yes |',
        '| `ttl` | integer (int64) | no |',
        'range > 0 and ≤ 9007199254740991',
        '| `if_not_exists` | boolean | no |',
        'default `false`',
        '### 413: ',
        '`PAYLOAD_TOO_LARGE`',
      ],
    ],
    [
      'scanKeys',
      [
        '- Price: 5 μt per call',
        '| `prefix` | string | no |',
        'max 512 chars; pattern `^(?!.*\\.\\.)[^\\x00-\\x1f\\x7f]*$`',
        '| `limit` | integer (int32) | no |',
        'range ≥ 1 and ≤ 1000; format int32; default `100`',
        '| `next_cursor` |',
      ],
    ],
    [
      'createProject',
      [
        '- Credentials: session token',
        '| `region` | string | no |',
        'one of `wnam`, `enam`, `weur`, `eeur`, `apac`, `oc`, `afr`, `me`; default `enam`',
        '- Price: free (not metered)',
      ],
    ],
    ['createBrowserToken', ['| `ttl` | integer (int32) | no |', 'range ≥ 60 and ≤ 1800; format int32; default `900`', 'max 64 items']],
    [
      'batchOperations',
      [
        'per op: `get` needs `kv:read`, `set` needs `kv:write`, `delete` needs `kv:write`',
        'per op: `get` 1 μt, `set` 2 μt, `delete` 1 μt',
        '| `ops` | array of BatchOp | yes |',
        'max 100 items',
        '| `ops[].op` |',
        '| `ops[].key` |',
      ],
    ],
    ['signUpEmail', ['- Credentials: none (public)', '- Required scope: none (public)']],
  ])('%s', (id, fragments) => {
    for (const fragment of fragments) expect(page(id)).toContain(fragment);
  });

  it('lists every documented response and ends with the curl and SDK samples', () => {
    for (const op of operations(doc)) {
      const text = page(op.operationId);
      for (const status of Object.keys(op.op.responses)) expect(text, op.operationId).toMatch(new RegExp(`^### ${status}: `, 'm'));
      for (const sample of codeSamples(doc, op)) expect(text, op.operationId).toContain(sample.source);
      // The scope and price notes of the description are shown once, as metadata.
      expect(text.match(/Required scope/g)?.length, op.operationId).toBe(1);
    }
  });
});

describe('guide pages', () => {
  it('turns the page-internal links into links between pages', () => {
    expect(files['llms/guides/quick-start.md']).toContain('[Token model](token-model.md)');
    expect(files['llms/guides/errors.md']).toContain('[Rate limits](rate-limits.md)');
    expect(files['llms/guides/errors.md']).toMatch(/^## NOT_FOUND\n\n\*\*HTTP 404\*\*/m);
    expect(files['llms/guides/token-model.md']).toContain('| [Scan keys](../scanKeys.md) | `GET /infra/kv` | 5 μt |');
    for (const [name, text] of Object.entries(files).filter(([n]) => n.startsWith('llms/guides/'))) {
      for (const [, target] of text.matchAll(/\]\((\.\.\/[^)#]+)\)/g)) expect(files, `${name} -> ${target}`).toHaveProperty([`llms/${target.slice(3)}`]);
    }
  });
});
