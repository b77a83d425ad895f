/**
 * What changed between two OpenAPI 3.1 documents, from a client's point of view, and which of
 * those changes break a client built against the older one. Offline (fast-check, a dev dependency,
 * only samples patterns): the
 * kept diff tools either do not read 3.1 offline or are not npm packages (oasdiff is Go).
 *
 * Breaking, as `check:breaking` refuses them without a major version (error answers are not
 * compared: the error envelope is the same on every status):
 * - a removed operation, parameter, request field, response field or success response;
 * - a request that the old document accepted and the new one refuses: a new required
 *   parameter or field, a removed enum value, a changed type, a tightened constraint
 *   (`maxLength`/`maximum`/`maxItems` down, `minLength`/`minimum`/`minItems` up, a new or changed
 *   `pattern`, `additionalProperties` closed);
 * - an answer that the old document did not announce: a required response field made optional,
 *   a new type in a response (null where there was none). A new enum value or a loosened
 *   constraint in a response, or a new success status, is a change.
 * Everything else (new operations, optional fields, loosened constraints) is listed as a change.
 *
 * @module lib/openapi-diff
 */
import fc from 'fast-check';
import { type Json, operations, resolve } from './openapi-document.ts';

export interface Change {
  breaking: boolean;
  /** Where, e.g. `PUT /infra/kv/{key} request body .ttl`. */
  where: string;
  message: string;
}

type Direction = 'request' | 'response';

const LOWER_BOUNDS = ['minLength', 'minimum', 'exclusiveMinimum', 'minItems', 'minProperties'];
const UPPER_BOUNDS = ['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems', 'maxProperties'];

function types(schema: Json): Set<string> {
  if (schema?.type === undefined) return new Set();
  return new Set(Array.isArray(schema.type) ? schema.type : [schema.type]);
}

/**
 * Whether every string the old schema accepts is still accepted by the new one, as far as 500
 * values sampled from the old pattern show (a regex inclusion test is not decidable cheaply; a
 * counterexample is found at once when one exists in practice). Only used to clear a change the
 * text comparison would call tightening.
 */
function stillAccepted(a: Json, b: Json): boolean {
  let old: RegExp;
  let now: RegExp | null;
  try {
    old = new RegExp(a.pattern, 'u');
    now = b.pattern === undefined ? null : new RegExp(b.pattern, 'u');
  } catch {
    return false;
  }
  const fits = (s: string, schema: Json) => [...s].length >= (schema.minLength ?? 0) && [...s].length <= (schema.maxLength ?? Infinity);
  const samples = fc.sample(fc.stringMatching(old), { numRuns: 500, seed: 14 }).filter((s) => fits(s, a));
  return samples.length > 0 && samples.every((s) => fits(s, b) && (now === null || now.test(s)));
}

/** Integer widths (OpenAPI's format registry) and the values they hold. */
const INTEGER_WIDTHS: Record<string, [number, number]> = { int32: [-(2 ** 31), 2 ** 31 - 1], int64: [-(2 ** 63), 2 ** 63 - 1] };

/** Whether the old integer's own bounds already lie inside the width `format` states: then it refuses nothing new. */
function withinWidth(a: Json, format: string): boolean {
  const width = INTEGER_WIDTHS[format];
  const low = a.minimum ?? a.exclusiveMinimum;
  const high = a.maximum ?? a.exclusiveMaximum;
  return width !== undefined && types(a).has('integer') && low !== undefined && high !== undefined && low >= width[0] && high <= width[1];
}

const ANNOTATIONS = new Set(['description', 'example', 'examples', 'title', 'deprecated', 'readOnly', 'writeOnly']);

/**
 * `{allOf: [X, {description: …}]}` (how zod-to-openapi describes a use of a named schema) is X:
 * the wrapper only annotates, so comparing through it must not read as a new type or pattern.
 */
function unwrapAnnotated(doc: Json, node: Json): Json {
  const all: Json[] | undefined = node?.allOf;
  if (!Array.isArray(all) || Object.keys(node).some((k) => k !== 'allOf' && !ANNOTATIONS.has(k))) return node;
  const real = all.filter((s) => Object.keys(resolve(doc, s) ?? {}).some((k) => !ANNOTATIONS.has(k)));
  return real.length === 1 ? resolve(doc, real[0]) : node;
}

class Differ {
  readonly changes: Change[] = [];
  // A schema pair compared once per direction: recursive schemas end.
  readonly #seen = new Set<string>();

  constructor(
    readonly base: Json,
    readonly head: Json,
  ) {}

  add(breaking: boolean, where: string, message: string) {
    this.changes.push({ breaking, where, message });
  }

  /** Compares a schema as the old clients see it (`a`) with the new one (`b`). */
  schema(aRaw: Json, bRaw: Json, where: string, dir: Direction, depth = 0) {
    if (depth > 32) return;
    const key = `${dir}|${aRaw?.$ref ?? ''}|${bRaw?.$ref ?? ''}|${where}`;
    if ((aRaw?.$ref || bRaw?.$ref) && this.#seen.has(key)) return;
    this.#seen.add(key);
    const a = unwrapAnnotated(this.base, resolve(this.base, aRaw)) ?? {};
    const b = unwrapAnnotated(this.head, resolve(this.head, bRaw)) ?? {};
    const req = dir === 'request';

    // Types: a request type removed, or a response type added, breaks.
    const [ta, tb] = [types(a), types(b)];
    if (ta.size && tb.size) {
      for (const t of ta) if (!tb.has(t) && !(t === 'integer' && tb.has('number'))) this.add(req, where, `type ${t} is no longer accepted`);
      for (const t of tb) if (!ta.has(t) && !(t === 'integer' && ta.has('number'))) this.add(!req, where, `may now be ${t}`);
    } else if (!ta.size && tb.size && req) this.add(true, where, `now must be ${[...tb].join(' or ')}`);

    // Enums: a value removed from a request, or added to a response, breaks.
    if (Array.isArray(a.enum) || Array.isArray(b.enum)) {
      const ea = new Set<string>((a.enum ?? []).map(String));
      const eb = new Set<string>((b.enum ?? []).map(String));
      if (Array.isArray(a.enum) && Array.isArray(b.enum)) {
        for (const v of ea) if (!eb.has(v)) this.add(true, where, `enum value ${JSON.stringify(v)} removed`);
        // A new value in a response is a change: clients are told to expect new values (as oasdiff rates it).
        for (const v of eb) if (!ea.has(v)) this.add(false, where, `enum value ${JSON.stringify(v)} added`);
      } else if (Array.isArray(b.enum) && req) this.add(true, where, `now limited to ${[...eb].join(', ')}`);
    }
    if (a.const !== undefined || b.const !== undefined) {
      if (JSON.stringify(a.const) !== JSON.stringify(b.const)) this.add(true, where, `const changed from ${JSON.stringify(a.const)} to ${JSON.stringify(b.const)}`);
    }

    // Constraints: tightening a request breaks. In a response, tightening only narrows what comes
    // back, and loosening (a longer name, a larger count) is not what clients trip over: changes.
    for (const k of LOWER_BOUNDS) {
      if (b[k] !== undefined && (a[k] === undefined || b[k] > a[k])) this.add(req, where, `${k} raised to ${b[k]}${a[k] === undefined ? '' : ` (was ${a[k]})`}`);
      else if (a[k] !== undefined && (b[k] === undefined || b[k] < a[k])) this.add(false, where, `${k} lowered${b[k] === undefined ? ' (removed)' : ` to ${b[k]}`}`);
    }
    // A string the old pattern bounds (an id: `^org_<ULID>$`) may get a wider pattern and a
    // maxLength that every old value still meets: not a tightening, whatever the text says.
    const widened = req && a.pattern !== undefined && (b.pattern !== a.pattern || b.maxLength !== a.maxLength) && stillAccepted(a, b);
    for (const k of UPPER_BOUNDS) {
      if (b[k] !== undefined && (a[k] === undefined || b[k] < a[k])) this.add(req && !widened, where, `${k} lowered to ${b[k]}${a[k] === undefined ? '' : ` (was ${a[k]})`}${widened ? ' (every old value still fits)' : ''}`);
      else if (a[k] !== undefined && (b[k] === undefined || b[k] > a[k])) this.add(false, where, `${k} raised${b[k] === undefined ? ' (removed)' : ` to ${b[k]}`}`);
    }
    if (b.pattern !== undefined && b.pattern !== a.pattern) this.add(req && !widened, where, a.pattern === undefined ? `now must match ${b.pattern}` : `pattern changed to ${b.pattern}${widened ? ' (every old value, sampled, still matches)' : ''}`);
    else if (a.pattern !== undefined && b.pattern === undefined) this.add(false, where, 'pattern removed');
    if (b.format !== undefined && b.format !== a.format) this.add(req && !withinWidth(a, b.format), where, `format ${b.format}`);

    // Objects: fields and which are required.
    const pa: Record<string, Json> = a.properties ?? {};
    const pb: Record<string, Json> = b.properties ?? {};
    const ra = new Set<string>(a.required ?? []);
    const rb = new Set<string>(b.required ?? []);
    for (const name of Object.keys(pa)) {
      const at = `${where} .${name}`;
      if (!(name in pb)) {
        // A request field the server no longer knows is refused when objects are closed.
        if (req) this.add(b.additionalProperties === false, at, 'field removed');
        else this.add(true, at, 'field removed');
        continue;
      }
      this.schema(pa[name], pb[name], at, dir, depth + 1);
    }
    for (const name of Object.keys(pb)) {
      if (!(name in pa)) this.add(req && rb.has(name), `${where} .${name}`, `field added${rb.has(name) ? ' (required)' : ''}`);
    }
    for (const name of rb) if (!ra.has(name) && name in pa && req) this.add(true, `${where} .${name}`, 'now required');
    for (const name of ra) if (!rb.has(name) && name in pb && !req) this.add(true, `${where} .${name}`, 'no longer always present');
    if (req && b.additionalProperties === false && a.additionalProperties !== false && (a.type === 'object' || a.properties)) {
      this.add(true, where, 'no longer accepts other fields');
    }

    // Arrays and combinations: compared member by member.
    if (a.items || b.items) this.schema(a.items, b.items, `${where}[]`, dir, depth + 1);
    for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
      const xa: Json[] = a[k] ?? [];
      const xb: Json[] = b[k] ?? [];
      if (!xa.length && !xb.length) continue;
      if (k !== 'allOf' && xa.length !== xb.length) {
        const fewer = xb.length < xa.length;
        this.add(req ? fewer : !fewer, where, `${k} has ${xb.length} alternatives (was ${xa.length})`);
      }
      for (let i = 0; i < Math.min(xa.length, xb.length); i++) this.schema(xa[i], xb[i], `${where} (${k}[${i}])`, dir, depth + 1);
    }
  }
}

function jsonSchema(doc: Json, node: Json): Json {
  return resolve(doc, node)?.content?.['application/json']?.schema;
}

/** Every change from `base` to `head`, operations in the new document's order. */
export function diffDocuments(base: Json, head: Json): Change[] {
  const d = new Differ(base, head);
  const headOps = new Map(operations(head).map((o) => [`${o.method.toUpperCase()} ${o.path}`, o]));
  const baseOps = new Map(operations(base).map((o) => [`${o.method.toUpperCase()} ${o.path}`, o]));
  for (const [name, a] of baseOps) {
    const b = headOps.get(name);
    if (!b) {
      d.add(true, name, 'operation removed');
      continue;
    }
    const params = (doc: Json, op: Json) =>
      new Map<string, Json>((op.parameters ?? []).map((p: Json) => resolve(doc, p)).map((p: Json) => [`${p.in} ${p.name}`, p]));
    const pa = params(base, a.op);
    const pb = params(head, b.op);
    for (const [k, p] of pa) {
      const q = pb.get(k);
      if (!q) d.add(p.in !== 'header', `${name} ${k}`, 'parameter removed');
      else {
        if (q.required && !p.required) d.add(true, `${name} ${k}`, 'parameter now required');
        d.schema(p.schema, q.schema, `${name} ${k}`, 'request');
      }
    }
    for (const [k, q] of pb) if (!pa.has(k)) d.add(Boolean(q.required), `${name} ${k}`, `parameter added${q.required ? ' (required)' : ''}`);

    const ba = resolve(base, a.op.requestBody);
    const bb = resolve(head, b.op.requestBody);
    if (bb?.required && !ba?.required) d.add(true, `${name} request body`, 'now required');
    if (ba && !bb) d.add(true, `${name} request body`, 'removed');
    if (ba && bb) d.schema(jsonSchema(base, a.op.requestBody), jsonSchema(head, b.op.requestBody), `${name} request body`, 'request');

    for (const [status, r] of Object.entries<Json>(a.op.responses ?? {})) {
      if (!/^2/.test(status)) continue;
      const s = b.op.responses?.[status];
      if (!s) d.add(true, `${name} ${status}`, 'success response removed');
      else d.schema(jsonSchema(base, r), jsonSchema(head, s), `${name} ${status}`, 'response');
    }
    for (const status of Object.keys(b.op.responses ?? {})) {
      if (/^2/.test(status) && !a.op.responses?.[status]) d.add(false, `${name} ${status}`, 'new success status');
    }
  }
  for (const name of headOps.keys()) if (!baseOps.has(name)) d.add(false, name, 'operation added');
  return d.changes;
}

/** The major version of a `x.y.z` string. */
export function major(version: string): number {
  return Number(/^(\d+)\./.exec(version)?.[1] ?? Number.NaN);
}
