/**
 * Two kinds of waste in express-openapi-validator (5.6.2, the latest), removed without forking it.
 * Both replace an export of one of its modules, which it reads at each use, with a faster
 * equivalent; {@link speedUpValidator} installs them before the validator is created.
 *
 * - Route lookup: to find a request's operation, the validator calls path-to-regexp's
 *   `pathToRegexp` on every route of the document, for every request, and throws the result away.
 *   With ~30 routes that was ~11% of the server's CPU on a KV get (--cpu-prof). Memoized here:
 *   the result's RegExp has no global flag (exec keeps no state) and the validator only reads its
 *   `keys`; Express's own router uses `match` and is not affected.
 *   Upstream: cdimascio/express-openapi-validator pull request #1217 (open).
 * - Start-up: the validator compiles the OpenAPI meta-schema with Ajv even with
 *   `validateApiSpec: false`, when nothing uses it: ~0.25 s, over 10% of the CPU from start to the
 *   first answer. Deferred here to the first `validate` call, which then never comes.
 *
 * @module server/http/validator-speedups
 * @see https://github.com/cdimascio/express-openapi-validator/pull/1217
 */
import { createRequire } from 'node:module';

type PathToRegexp = (path: unknown, options?: Record<string, unknown>) => unknown;
type SchemaValidatorClass = new (options: unknown) => { validate(document: unknown): unknown };

/** Distinct patterns remembered; past this, calls go straight through (a bound, not an expected size). */
const MAX_PATTERNS = 1000;
const INSTALLED = Symbol.for('saasignal.validatorSpeedups');

/** `require` as seen from the validator's own files: the modules it loads itself, to patch or to use. */
export function validatorRequire(): NodeRequire {
  return createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
}

function memoizeRouteMatchers(module: { pathToRegexp: PathToRegexp }): void {
  const original = module.pathToRegexp;
  const compiled = new Map<string, unknown>();
  module.pathToRegexp = (path, options) => {
    // Only string patterns with the two flags the validator passes are keyed; anything else is
    // compiled as before.
    const plain = typeof path === 'string' && (options === undefined || Object.keys(options).every((k) => k === 'sensitive' || k === 'strict'));
    if (!plain) return original(path, options);
    const key = `${options?.sensitive ? 1 : 0}${options?.strict ? 1 : 0}${path}`;
    let result = compiled.get(key);
    if (result === undefined) {
      result = original(path, options);
      if (compiled.size < MAX_PATTERNS) compiled.set(key, result);
    }
    return result;
  };
}

function deferMetaSchema(module: { OpenAPISchemaValidator: SchemaValidatorClass }): void {
  const Eager = module.OpenAPISchemaValidator;
  module.OpenAPISchemaValidator = class LazyOpenAPISchemaValidator {
    #options: unknown;
    #compiled?: InstanceType<SchemaValidatorClass>;
    constructor(options: unknown) {
      this.#options = options;
    }
    validate(document: unknown) {
      this.#compiled ??= new Eager(this.#options);
      return this.#compiled.validate(document);
    }
  };
}

/** Installs both (once per process). Call before creating the validator middleware. */
export function speedUpValidator(): void {
  const state = globalThis as { [INSTALLED]?: true };
  if (state[INSTALLED]) return;
  state[INSTALLED] = true;
  const require = validatorRequire();
  memoizeRouteMatchers(require('path-to-regexp'));
  deferMetaSchema(require('express-openapi-validator/dist/framework/openapi.schema.validator.js'));
}
