/**
 * Two start-up costs of express-openapi-validator (5.6.2) removed without forking it, each with an
 * exact fallback to the original. From start to the first answer they were ~0.8 s of CPU on
 * Node 20 (−0.3 s on Node 24), after module loading the largest part (BENCHMARKS.md, profiling
 * notes). {@link speedUpValidatorStartup} installs both; call it before the validator is created.
 * Request handling is unchanged: both act only while the document is prepared.
 *
 * - Bundling the document: the validator passes it to json-schema-ref-parser's `bundle`, which
 *   inventories every `$ref` (a linear search of the inventory per reference: quadratic) to
 *   rewrite each one as the JSON pointer of its target (`remap`: a local reference becomes the hash
 *   of the place it resolves to). When every `$ref` of the document is a plain local pointer
 *   (`#/a/b`, tokens without escapes) to an existing value that is not itself a `$ref`, that
 *   rewrite writes back the same string: the document comes back unchanged, the same object.
 *   {@link bundleLocalDocument} checks exactly that in one pass and returns it; any other document
 *   (external, escaped, chained or dangling references, a file path) goes to the original.
 * - Preprocessing: the schema preprocessor resolves each `$ref` with `ajv.getSchema(ref).schema`,
 *   and `getSchema` compiles the referenced component schema (and all it references) into a
 *   validator just to read back `.schema`, the object that was added. That Ajv instance is the
 *   preprocessor's own and is dropped afterwards; requests are validated by the request
 *   validator's Ajv, which compiles per operation on first use. The same lookup without the
 *   compilation: Ajv's `schemas`, then `refs`, following string aliases; anything not added there
 *   falls back to the document path, as before.
 *
 * test/server/validator-startup.test.ts compares the prepared document with and without them
 * (deeply, on generated/openapi.json and on documents that take the fallbacks). One behaviour
 * moves: a component schema that Ajv cannot compile is now reported on the first request of an
 * operation that uses it, not at start (generated/openapi.json is linted, and its schemas are
 * compiled by the test suites).
 *
 * @module server/startup/validator-startup
 */
import { validatorRequire } from '../http/validator-speedups.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface AjvLike {
  schemas: Record<string, { schema: unknown } | string | undefined>;
  refs: Record<string, { schema: unknown } | string | undefined>;
}
interface Preprocessor {
  ajv: AjvLike;
  apiDoc: unknown;
  resolvedSchemaCache: Map<string, unknown>;
}
type Bundle = (...args: unknown[]) => Promise<unknown>;

const INSTALLED = Symbol.for('saasignal.validatorStartup');
/** Alias hops followed before handing over to the original (Ajv follows them unbounded). */
const MAX_ALIASES = 100;
/** A local JSON pointer whose tokens need no unescaping or decoding. */
const PLAIN_POINTER = /^#(\/[A-Za-z0-9._-]+)+$/;

const isObject = (value: unknown): value is Record<string, Json> => typeof value === 'object' && value !== null;
/** What json-schema-ref-parser takes for a reference: an object with a non-empty string `$ref`. */
const isRef = (value: unknown): value is { $ref: string } => isObject(value) && typeof value.$ref === 'string' && value.$ref.length > 0;

/** The value `pointer` designates in `root`, or undefined when a token is missing or passes through a reference. */
function target(root: Record<string, Json>, pointer: string): unknown {
  let value: unknown = root;
  for (const token of pointer.slice(2).split('/')) {
    if (!isObject(value) || isRef(value) || !Object.hasOwn(value, token)) return undefined;
    value = (value as Record<string, unknown>)[token];
  }
  return value;
}

/**
 * Whether bundling `document` would leave it as it is: no reference at its root, and every
 * reference a plain local pointer to an object that is not a reference. One pass over the
 * document (each object visited once).
 */
export function bundlesToItself(document: unknown): boolean {
  if (!isObject(document) || Array.isArray(document) || isRef(document)) return false;
  const seen = new Set<object>();
  const stack: unknown[] = [document];
  while (stack.length > 0) {
    const value = stack.pop();
    if (!isObject(value) || seen.has(value)) continue;
    seen.add(value);
    if (isRef(value)) {
      if (!PLAIN_POINTER.test(value.$ref)) return false;
      const resolved = target(document, value.$ref);
      if (!isObject(resolved) || isRef(resolved)) return false;
    }
    for (const child of Object.values(value)) if (isObject(child)) stack.push(child);
  }
  return true;
}

function bundleLocalDocument(ref: { bundle: Bundle }): void {
  const original = ref.bundle;
  ref.bundle = function bundle(this: unknown, ...args: unknown[]) {
    // The validator calls it with the document object alone; anything else is not ours to shortcut.
    if (args.length === 1 && bundlesToItself(args[0])) return Promise.resolve(args[0]);
    return original.apply(this, args);
  };
}

/** Ajv's `getSchEnv`: the key normalized as Ajv normalizes ids (a trailing `#` or `#/` dropped). */
function lookup(ajv: AjvLike, keyRef: string) {
  const key = keyRef.replace(/#\/?$/, '');
  return ajv.schemas[key] || ajv.refs[key];
}

function resolveWithoutCompiling(SchemaPreprocessor: { prototype: { resolveSchema(schema: unknown): unknown } }, get: (object: unknown, path: string) => unknown): void {
  const original = SchemaPreprocessor.prototype.resolveSchema;
  SchemaPreprocessor.prototype.resolveSchema = function resolveSchema(this: Preprocessor, schema: unknown) {
    if (!schema) return null;
    const ref = (schema as { $ref?: unknown }).$ref;
    if (typeof ref !== 'string') return original.call(this, schema);
    if (this.resolvedSchemaCache.has(ref)) return this.resolvedSchemaCache.get(ref);
    let env = lookup(this.ajv, ref);
    for (let hops = 0; typeof env === 'string'; hops++) {
      if (hops === MAX_ALIASES) return original.call(this, schema);
      env = lookup(this.ajv, env);
    }
    // Not added under that key: Ajv resolves it against an empty root schema, which finds nothing
    // for a `#/…` pointer (the original then reads the document); other forms go to the original.
    if (env === undefined && !ref.startsWith('#/')) return original.call(this, schema);
    let res = env?.schema;
    if (!res) {
      const path = ref.split('/').join('.');
      res = get(this.apiDoc, path.substring(path.indexOf('.') + 1));
    }
    this.resolvedSchemaCache.set(ref, res);
    return res;
  };
}

/** Installs both replacements, once per process. */
export function speedUpValidatorStartup(): void {
  const state = globalThis as { [INSTALLED]?: true };
  if (state[INSTALLED]) return;
  state[INSTALLED] = true;
  const require = validatorRequire();
  bundleLocalDocument(require('@apidevtools/json-schema-ref-parser'));
  resolveWithoutCompiling(require('express-openapi-validator/dist/middlewares/parsers/schema.preprocessor.js').SchemaPreprocessor, require('lodash.get'));
}
