/**
 * The breaking-change gate's diff (lib/openapi-diff.ts), on the real document with one edit each:
 * what a client built against the released document would trip over is breaking; additions and
 * loosened constraints are changes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Json } from '../../lib/openapi-document.ts';
import { diffDocuments } from '../../lib/openapi-diff.ts';

const doc: Json = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const schemas = (d: Json) => d.components.schemas;

// [name, edit of a copy of the document, breaking?, where the change is reported, message]
const rows: [string, (d: Json) => void, boolean, string, RegExp][] = [
  ['a removed operation', (d) => delete d.paths['/infra/kv'].post, true, 'POST /infra/kv', /operation removed/],
  ['a removed response field', (d) => delete schemas(d).KvEntry.properties.expires_at, true, 'GET /infra/kv/{key} 200 .expires_at', /field removed/],
  ['a new required request field', (d) => {
    schemas(d).PublishRequest.properties.priority = { type: 'integer' };
    schemas(d).PublishRequest.required = [...(schemas(d).PublishRequest.required ?? []), 'priority'];
  }, true, 'POST /infra/channels/{channel}/publish request body .priority', /field added \(required\)/],
  ['a removed enum value', (d) => (schemas(d).Region.enum = schemas(d).Region.enum.filter((r: string) => r !== 'apac')), true, '', /enum value "apac" removed/],
  ['a tightened constraint', (d) => (schemas(d).ChannelName.maxLength = 64), true, 'POST /infra/channels/{channel}/publish path channel', /maxLength lowered to 64 \(was 128\)/],
  ['a new required parameter', (d) => d.paths['/infra/kv'].get.parameters.push({ name: 'ns', in: 'query', required: true, schema: { type: 'string' } }), true, 'GET /infra/kv query ns', /parameter added \(required\)/],
  ['a response field no longer always present', (d) => (schemas(d).KvEntry.required = schemas(d).KvEntry.required.filter((f: string) => f !== 'key')), true, 'GET /infra/kv/{key} 200 .key', /no longer always present/],
  ['a new enum value in a response (and a request)', (d) => schemas(d).Region.enum.push('mars'), false, '', /enum value "mars" added/],
  ['a new optional request field', (d) => (schemas(d).PublishRequest.properties.note = { type: 'string' }), false, 'POST /infra/channels/{channel}/publish request body .note', /field added$/],
  ['a new response field', (d) => (schemas(d).KvEntry.properties.size = { type: 'integer' }), false, 'GET /infra/kv/{key} 200 .size', /field added$/],
  ['a new operation', (d) => (d.paths['/infra/kv/{key}'].patch = { ...d.paths['/infra/kv/{key}'].put, operationId: 'patchKey' }), false, 'PATCH /infra/kv/{key}', /operation added/],
  ['a loosened constraint', (d) => (schemas(d).ChannelName.maxLength = 256), false, 'POST /infra/channels/{channel}/publish path channel', /maxLength raised to 256/],
  ['a new optional header', (d) => (d.paths['/infra/kv'].get.parameters = [...(d.paths['/infra/kv'].get.parameters ?? []), { name: 'X-Trace', in: 'header', required: false, schema: { type: 'string' } }]), false, 'GET /infra/kv header X-Trace', /parameter added$/],
];

describe('diffDocuments', () => {
  it('finds no change between a document and itself', () => {
    expect(diffDocuments(doc, structuredClone(doc))).toEqual([]);
  });

  it.each(rows)('%s', (_name, edit, breaking, where, message) => {
    const head = structuredClone(doc);
    edit(head);
    const changes = diffDocuments(doc, head);
    const found = changes.filter((c) => message.test(c.message) && c.where.startsWith(where));
    expect(found.length, JSON.stringify(changes, null, 1)).toBeGreaterThan(0);
    expect(found.every((c) => c.breaking === breaking)).toBe(true);
    if (!breaking) expect(changes.filter((c) => c.breaking)).toEqual([]);
  });

  // Base documents edited too: the real one already states these formats and wrappers.
  const limitOf = (d: Json) => d.paths['/infra/kv'].get.parameters.find((p: Json) => p.name === 'limit').schema;
  it('an integer width (int32) its bounds already lie in is a change; on an unbounded integer it breaks', () => {
    const base = structuredClone(doc);
    delete limitOf(base).format;
    expect(diffDocuments(base, doc).filter((c) => c.where === 'GET /infra/kv query limit')).toEqual([{ breaking: false, where: 'GET /infra/kv query limit', message: 'format int32' }]);
    delete limitOf(base).maximum;
    expect(diffDocuments(base, doc).filter((c) => c.message === 'format int32' && c.where === 'GET /infra/kv query limit')[0]?.breaking).toBe(true);
  });

  it('a named schema used through an annotating allOf is the named schema', () => {
    const base = structuredClone(doc);
    const param = base.paths['/core/organizations/{org_id}/tokens'].get.parameters.find((p: Json) => p.name === 'project_id');
    param.schema = { allOf: [param.schema, { description: 'Filter tokens by project.' }] };
    expect(diffDocuments(base, doc)).toEqual([]);
  });
});
