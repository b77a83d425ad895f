/**
 * Flattens schemas into the fields a reader looks for — `ttl`, `ops[].key`, `region` — each with
 * its type, whether it is required, its description and every constraint (pattern, length,
 * range, items, enum, default), written out as text. llms.txt and the search index use it.
 *
 * @module docs-site/schema-fields
 * @see https://json-schema.org/draft/2020-12/json-schema-validation
 */
import { type Json, refName, resolve } from '../lib/openapi-document.ts';

export interface Field {
  /** Dotted path: `ttl`, `ops[].key`, `error.code`. */
  name: string;
  type: string;
  required: boolean;
  description: string;
  constraints: string[];
}

/** Collapses `allOf: [{$ref}, {description}]` wrappers and `$ref`s into one schema object. */
export function flatten(doc: Json, schema: Json, depth = 0): Json {
  if (!schema || depth > 16) return schema ?? {};
  if (schema.$ref) {
    const { $ref, ...siblings } = schema;
    return { ...flatten(doc, resolve(doc, { $ref }), depth + 1), ...siblings, title: refName(schema) };
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const parts = allOf.map((s: Json) => flatten(doc, s, depth + 1));
    const merged = Object.assign({}, ...parts, rest);
    const props = parts.filter((p: Json) => p.properties);
    if (props.length > 1) merged.properties = Object.assign({}, ...props.map((p: Json) => p.properties));
    const required = parts.flatMap((p: Json) => p.required ?? []);
    if (required.length) merged.required = [...new Set([...required, ...(rest.required ?? [])])];
    return merged;
  }
  return schema;
}

/** `string`, `integer`, `array of Scope`, `string | null`, `any JSON`, `one of BatchGetOp, …`. */
export function typeName(doc: Json, schema: Json): string {
  const s = flatten(doc, schema);
  const branches = s.oneOf ?? s.anyOf;
  if (Array.isArray(branches)) {
    const names = branches.map((b: Json) => (resolve(doc, b)?.type === 'null' ? 'null' : refName(b) ?? typeName(doc, b)));
    return names.join(' | ');
  }
  const t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (t === 'array') return `array of ${refName(s.items) ?? typeName(doc, s.items)}`;
  if (t) return s.format ? `${t} (${s.format})` : t;
  if (s.properties) return 'object';
  if ('const' in s) return `constant ${JSON.stringify(s.const)}`;
  return 'any JSON';
}

const fmt = (v: unknown) => (typeof v === 'string' ? `\`${v}\`` : `\`${JSON.stringify(v)}\``);

/** Every validation keyword of the schema as a short phrase, in a stable order. */
export function constraintsOf(doc: Json, schema: Json): string[] {
  const s = flatten(doc, schema);
  const out: string[] = [];
  const len = (lo?: number, hi?: number, unit = 'chars') =>
    lo !== undefined && hi !== undefined ? `${lo}–${hi} ${unit}` : lo !== undefined ? `min ${lo} ${unit}` : `max ${hi} ${unit}`;
  if (s.minLength !== undefined || s.maxLength !== undefined) out.push(len(s.minLength, s.maxLength));
  if (s.pattern !== undefined) out.push(`pattern \`${s.pattern}\``);
  const lower =
    s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined ? `≥ ${s.minimum}` : undefined;
  const upper =
    s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : s.maximum !== undefined ? `≤ ${s.maximum}` : undefined;
  if (lower || upper) out.push(`range ${[lower, upper].filter(Boolean).join(' and ')}`);
  if (s.multipleOf !== undefined) out.push(`multiple of ${s.multipleOf}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) out.push(len(s.minItems, s.maxItems, 'items'));
  if (s.uniqueItems) out.push('unique items');
  if (Array.isArray(s.enum)) out.push(`one of ${s.enum.map(fmt).join(', ')}`);
  if ('const' in s) out.push(`always ${fmt(s.const)}`);
  if (s.not && 'const' in s.not) out.push(`not ${fmt(s.not.const)}`);
  if (s.format) out.push(`format ${s.format}`);
  if ('default' in s) out.push(`default ${fmt(s.default)}`);
  if (s.additionalProperties === false) out.push('no other fields');
  if (s.type === 'array' && s.items) {
    const items = constraintsOf(doc, s.items).filter((c) => c !== 'no other fields');
    if (items.length) out.push(`each item: ${items.join(', ')}`);
  }
  return out;
}

/**
 * The fields of an object schema, depth first: `ops`, then `ops[].op`, `ops[].key`, … Branches of
 * a `oneOf` contribute their fields once each (the first branch that declares a name wins).
 */
export function fieldsOf(doc: Json, schema: Json, prefix = '', depth = 0): Field[] {
  const s = flatten(doc, schema);
  if (!s || depth > 6) return [];
  const branches = s.oneOf ?? s.anyOf;
  if (Array.isArray(branches)) {
    const seen = new Set<string>();
    return branches
      .flatMap((b: Json) => fieldsOf(doc, b, prefix, depth + 1))
      .filter((f: Field) => !seen.has(f.name) && seen.add(f.name));
  }
  if (s.type === 'array' || s.items) return s.items ? fieldsOf(doc, s.items, `${prefix}[]`, depth + 1) : [];
  const required = new Set<string>(s.required ?? []);
  return Object.entries<Json>(s.properties ?? {}).flatMap(([key, prop]) => {
    const name = prefix ? `${prefix}.${key}` : key;
    const flat = flatten(doc, prop);
    const field: Field = {
      name,
      type: typeName(doc, prop),
      required: required.has(key),
      description: String(flat.description ?? '').trim(),
      constraints: constraintsOf(doc, prop),
    };
    return [field, ...fieldsOf(doc, prop, name, depth + 1)];
  });
}
