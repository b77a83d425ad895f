/**
 * fast-check arbitraries derived from the document's JSON Schemas: values that satisfy a
 * schema, and, per constraint, mutations that break exactly that constraint. The fuzz suite
 * builds every request from these, so a new field or constraint in spec/ is fuzzed without a
 * test change.
 */
import fc from 'fast-check';

type Schema = Record<string, any>;

export class SchemaTools {
  constructor(private readonly doc: any) {}

  /** Follows `$ref`; merges `allOf` (a refined reference) into one schema. */
  resolve(node: Schema | undefined): Schema {
    let n: any = node ?? {};
    while (n.$ref) n = n.$ref.split('/').slice(1).reduce((o: any, k: string) => o[k], this.doc);
    if (n.allOf) {
      const { allOf, ...rest } = n;
      return Object.assign({}, ...allOf.map((s: Schema) => this.resolve(s)), rest);
    }
    return n;
  }

  /** Values valid against `schema`. */
  valid(node: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(node);
    let arb = this.validInner(s, depth);
    if (s.not?.const !== undefined) arb = arb.filter((v) => v !== s.not.const);
    return arb;
  }

  private validInner(s: Schema, depth: number): fc.Arbitrary<unknown> {
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    if (s.anyOf || s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf).map((x: Schema) => this.valid(x, depth)));
    const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (type.length === 0) return fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)));
    if (type.length > 1) return fc.oneof(...type.map((t: string) => this.validInner({ ...s, type: t }, depth)));
    switch (type[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number': {
        const min = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (type[0] === 'integer' ? 1 : 1e-9) : s.minimum;
        const max = s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : s.maximum;
        if (type[0] === 'integer') {
          return fc.oneof(
            fc.integer({ min: Math.max(min ?? -1e9, -(2 ** 31)), max: Math.min(max ?? 1e9, 2 ** 31 - 1) }),
            ...(max !== undefined ? [fc.constant(max)] : []),
            ...(min !== undefined ? [fc.constant(min)] : []),
          );
        }
        return fc.double({ min: min ?? -1e6, max: max ?? 1e6, noNaN: true, noDefaultInfinity: true });
      }
      case 'string':
        return this.string(s);
      case 'array': {
        const items = this.valid(s.items, depth + 1);
        return fc.array(items, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) });
      }
      case 'object': {
        const props: Record<string, fc.Arbitrary<unknown>> = {};
        for (const [k, v] of Object.entries<Schema>(s.properties ?? {})) props[k] = this.valid(v, depth + 1);
        return fc.record(props, { requiredKeys: (s.required ?? []).filter((k: string) => k in props) });
      }
    }
    throw new Error(`no arbitrary for ${JSON.stringify(s)}`);
  }

  private string(s: Schema): fc.Arbitrary<string> {
    const min = s.minLength ?? 0;
    const max = Math.min(s.maxLength ?? 40, 64);
    const fits = (v: string) => [...v].length >= min && [...v].length <= (s.maxLength ?? Infinity);
    if (s.format === 'date-time' && !s.pattern) {
      return fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
    }
    if (!s.pattern) return fc.string({ minLength: min, maxLength: max, unit: 'binary' }).filter((v) => !/[\uD800-\uDFFF]/.test(v));
    const re = new RegExp(s.pattern, 'u');
    // fast-check cannot generate lookaheads: generate from the pattern without them, then keep what the full pattern accepts.
    const withoutLookahead = s.pattern.replace(/\(\?![^()]*(?:\([^()]*\)[^()]*)*\)/g, '');
    const generated = fc.stringMatching(new RegExp(withoutLookahead)).filter((v) => re.test(v) && fits(v));
    return s.example !== undefined ? fc.oneof(fc.constant(String(s.example)), generated) : generated;
  }

  /**
   * For an object schema: one invalid variant per constraint of each field, each breaking exactly
   * one rule of a valid object.
   */
  invalidObjects(node: Schema): fc.Arbitrary<{ why: string; value: unknown }> {
    const s = this.resolve(node);
    const variants: fc.Arbitrary<{ why: string; value: unknown }>[] = [];
    const base = this.valid(s) as fc.Arbitrary<Record<string, unknown>>;
    const at = (why: string, field: string, bad: fc.Arbitrary<unknown>) =>
      variants.push(fc.tuple(base, bad).map(([obj, v]) => ({ why, value: { ...obj, [field]: v } })));
    for (const req of s.required ?? []) {
      variants.push(
        base.map((obj) => {
          const { [req]: _, ...rest } = obj;
          return { why: `missing ${req}`, value: rest };
        }),
      );
    }
    if (s.additionalProperties === false) {
      variants.push(base.map((obj) => ({ why: 'unknown field', value: { ...obj, zz_unknown: 1 } })));
    }
    for (const [field, raw] of Object.entries<Schema>(s.properties ?? {})) {
      for (const [why, bad] of this.invalidValues(raw)) at(`${field}: ${why}`, field, bad);
    }
    variants.push(fc.constantFrom<unknown>([], 'text', 42, null, true).map((value) => ({ why: 'not an object', value })));
    return fc.oneof(...variants);
  }

  /** Values that break one rule of a (non-object) schema each, named by the rule. */
  invalidValues(node: Schema): [string, fc.Arbitrary<unknown>][] {
    const s = this.resolve(node);
    const out: [string, fc.Arbitrary<unknown>][] = [];
    const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (s.anyOf || s.oneOf || type.length === 0) return out; // any JSON, or a union: nothing is a single wrong type
    if (s.enum) out.push(['not in enum', fc.constantFrom('mars', 'kv:delete', 'ENAM', '')]);
    if (!type.includes('string')) out.push(['wrong type (string)', fc.constant('12')]);
    if (type.includes('string')) {
      out.push(['wrong type (number)', fc.integer()]);
      if (s.maxLength !== undefined) out.push(['too long', fc.constant('a'.repeat(s.maxLength + 1))]);
      if (s.minLength) out.push(['too short', fc.constant('')]);
      if (s.pattern) {
        const re = new RegExp(s.pattern, 'u');
        out.push([
          'breaks the pattern',
          fc.constantFrom('a..b', 'a\u0000b', 'UPPER CASE', 'tab\there', '\u007f', '2024-02-30T10:00:00Z', 'x@y').filter((v) => !re.test(v)),
        ]);
      }
    }
    if (type.includes('integer')) out.push(['not an integer', fc.constant(1.5)]);
    if (type.includes('integer') || type.includes('number')) {
      if (s.maximum !== undefined) out.push(['above maximum', fc.constant(s.maximum + (type.includes('integer') ? 1 : 0.5) || s.maximum * 2)]);
      if (s.minimum !== undefined) out.push(['below minimum', fc.constant(s.minimum - 1)]);
      if (s.exclusiveMinimum !== undefined) out.push(['not above exclusiveMinimum', fc.constant(s.exclusiveMinimum)]);
    }
    if (type.includes('array')) {
      out.push(['wrong type (object)', fc.constant({ a: 1 })]);
      if (s.maxItems !== undefined) out.push(['too many items', fc.constant(Array.from({ length: s.maxItems + 1 }, () => null))]);
      if (s.minItems) out.push(['too few items', fc.constant([])]);
      for (const [why, bad] of this.invalidValues(s.items)) out.push([`item ${why}`, bad.map((v) => [v])]);
    }
    if (type.includes('boolean')) out.push(['wrong type (number)', fc.constant(1)]);
    return out;
  }
}
