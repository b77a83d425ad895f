/**
 * A valid request for any operation of the document, built from the document itself: the
 * documented examples of its parameters and body, with named fields replaced by what a caller
 * supplies (real ids, fresh emails, …). The suites that walk every operation (authorization
 * matrix, cross-tenant checks) build their requests here, so a new operation is covered without
 * a test change.
 */
import { document, type OperationInfo } from '../../server/spec.ts';
import { SchemaTools } from './schema-arb.ts';

export const schemaTools = new SchemaTools(document);

/** Returned by a provider to leave an optional field out. */
export const OMIT = Symbol('omit');

export type Where = 'path' | 'query' | 'body';

/**
 * Supplies a value for a named parameter or body field (at any depth of the body), or
 * `undefined` to keep the documented example.
 */
export type Provider = (name: string, where: Where, example: unknown) => unknown | typeof OMIT | undefined | Promise<unknown>;

export interface ApiRequest {
  method: string;
  /** The path with its parameters filled and encoded. */
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

// biome-ignore lint: the document is JSON of a known shape.
export function operationObject(op: OperationInfo): any {
  return document.paths[op.path][op.method];
}

/** The statuses the document gives for an operation, and its success statuses. */
export function documentedStatuses(op: OperationInfo): { all: Set<number>; success: Set<number> } {
  const all = new Set(Object.keys(operationObject(op).responses).map(Number));
  return { all, success: new Set([...all].filter((s) => s >= 200 && s < 300)) };
}

/** Whether the operation answers with an event stream rather than JSON. */
export function isStream(op: OperationInfo): boolean {
  const o = operationObject(op);
  return Object.entries<any>(o.responses).some(([s, r]) => s.startsWith('2') && schemaTools.resolve(r).content?.['text/event-stream']);
}

/** Names of every parameter and top-level body property of an operation, by place. */
export function fieldsOf(op: OperationInfo): { path: string[]; query: string[]; body: string[] } {
  const o = operationObject(op);
  const params = (o.parameters ?? []).map((p: unknown) => schemaTools.resolve(p as never));
  const media = o.requestBody?.content['application/json'] ?? o.requestBody?.content['application/x-www-form-urlencoded'];
  const bodySchema = media ? schemaTools.resolve(media.schema) : undefined;
  return {
    path: params.filter((p: any) => p.in === 'path').map((p: any) => p.name),
    query: params.filter((p: any) => p.in === 'query').map((p: any) => p.name),
    body: Object.keys(bodySchema?.properties ?? {}),
  };
}

function minimal(schema: any): unknown {
  const s = schemaTools.resolve(schema);
  if (s.example !== undefined) return structuredClone(s.example);
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  if (s.oneOf || s.anyOf) return minimal((s.oneOf ?? s.anyOf)[0]);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k: string) => [k, minimal(s.properties[k])]));
    case 'array':
      return Array.from({ length: s.minItems ?? 0 }, () => minimal(s.items));
    case 'string':
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    case 'integer':
    case 'number':
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** Applies the provider to every property, at every depth (batch ops carry their own `key`). */
async function provideDeep(value: unknown, provide: Provider): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => provideDeep(v, provide)));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const given = await provide(k, 'body', v);
    if (given === OMIT) continue;
    out[k] = given === undefined ? await provideDeep(v, provide) : given;
  }
  return out;
}

export async function buildRequest(op: OperationInfo, provide: Provider): Promise<ApiRequest> {
  const o = operationObject(op);
  let path = op.path;
  const query: Record<string, string> = {};
  for (const raw of o.parameters ?? []) {
    const p = schemaTools.resolve(raw);
    const example = p.example ?? schemaTools.resolve(p.schema).example;
    const given = await provide(p.name, p.in, example);
    if (p.in === 'path') {
      path = path.replace(`{${p.name}}`, encodeURIComponent(String(given === undefined || given === OMIT ? example : given)));
    } else if (p.in === 'query') {
      // Optional query parameters stay out unless asked for: the example of one may not fit.
      if (given !== undefined && given !== OMIT) query[p.name] = String(given);
      else if (p.required && given !== OMIT) query[p.name] = String(example);
    }
  }
  let body: unknown;
  if (o.requestBody) {
    const media = o.requestBody.content['application/json'];
    const schema = schemaTools.resolve(media.schema);
    const example = structuredClone(media.example ?? schema.example ?? minimal(schema)) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    // Every top-level field, also those the example leaves out (e.g. an optional project_id).
    for (const k of new Set([...Object.keys(example), ...Object.keys(schema.properties ?? {})])) {
      const given = await provide(k, 'body', example[k]);
      if (given === OMIT) continue;
      if (given !== undefined) out[k] = given;
      else if (k in example) out[k] = await provideDeep(example[k], provide);
    }
    body = out;
  }
  return { method: op.method.toUpperCase(), path, query, body };
}
