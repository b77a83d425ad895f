/**
 * Example values from schemas: the value a reader would type. The document gives every schema
 * an `example` (Redocly's museum habit, and Prism needs them for patterned strings), so this
 * mostly reads them; the fallbacks below only fill what an author left out.
 *
 * @module docs-site/examples
 */
import { type Json, resolve } from '../lib/openapi-document.ts';

const MAX_DEPTH = 8;

/** The first of `example`, `examples[0]`, `default`, `const`, `enum[0]`, if any is set. */
function declared(schema: Json): { value: unknown } | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  if ('example' in schema) return { value: schema.example };
  if (Array.isArray(schema.examples) && schema.examples.length) return { value: schema.examples[0] };
  if ('default' in schema) return { value: schema.default };
  if ('const' in schema) return { value: schema.const };
  if (Array.isArray(schema.enum) && schema.enum.length) return { value: schema.enum[0] };
  return undefined;
}

function typeOf(schema: Json): string | undefined {
  const t = schema.type;
  if (Array.isArray(t)) return t.find((x: string) => x !== 'null');
  if (t) return t;
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

/**
 * An example value for `schema`: the schema's own example first (a property's example wins over
 * its referenced component's), then its parts'. Returns `undefined` only for an empty schema.
 */
export function exampleOf(doc: Json, schema: Json, depth = 0): unknown {
  if (!schema || depth > MAX_DEPTH) return undefined;
  const own = declared(schema);
  if (own) return own.value;
  if (schema.$ref) return exampleOf(doc, resolve(doc, schema), depth + 1);

  if (Array.isArray(schema.allOf)) {
    // The example of a wrapper such as `allOf: [{$ref}, {description}]` is the referenced one's;
    // for real compositions of objects, the merge of the parts' examples.
    const parts = schema.allOf.map((s: Json) => exampleOf(doc, s, depth + 1)).filter((v: unknown) => v !== undefined);
    if (parts.every((p: unknown) => p && typeof p === 'object' && !Array.isArray(p))) return Object.assign({}, ...parts);
    return parts[0];
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    if (Array.isArray(schema[key])) {
      const branch = schema[key].find((s: Json) => resolve(doc, s)?.type !== 'null') ?? schema[key][0];
      return exampleOf(doc, branch, depth + 1);
    }
  }

  switch (typeOf(schema)) {
    case 'object': {
      const props: Record<string, Json> = schema.properties ?? {};
      const required = new Set<string>(schema.required ?? []);
      const keys = Object.keys(props).filter((k) => required.size === 0 || required.has(k));
      return Object.fromEntries(keys.map((k) => [k, exampleOf(doc, props[k], depth + 1)]).filter(([, v]) => v !== undefined));
    }
    case 'array': {
      const item = exampleOf(doc, schema.items, depth + 1);
      return item === undefined ? [] : [item];
    }
    case 'string':
      if (schema.format === 'date-time') return '2026-03-10T13:15:00.000Z';
      if (schema.format === 'email') return 'alice@acme.com';
      return 'string';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    default:
      return undefined;
  }
}
