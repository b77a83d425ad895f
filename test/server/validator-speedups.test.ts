/**
 * The two replacements in express-openapi-validator's modules (server/http/validator-speedups.ts)
 * behave like what they replace: route matchers compiled once and still matching, and the
 * OpenAPI meta-schema still validating a document when asked to.
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { speedUpValidator } from '../../server/http/validator-speedups.ts';

// The modules as the validator itself loads them.
const fromValidator = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
const routes = fromValidator('path-to-regexp') as { pathToRegexp: (path: string, options?: object) => { regexp: RegExp; keys: { name: string }[] } };
const schema = fromValidator('express-openapi-validator/dist/framework/openapi.schema.validator.js') as {
  OpenAPISchemaValidator: new (options: object) => { validate(doc: unknown): { errors: unknown[] } };
};

beforeAll(() => {
  speedUpValidator();
  speedUpValidator(); // idempotent: a second app in the same process installs nothing more
});

describe('route matchers', () => {
  it('compiles a pattern once per set of flags', () => {
    const options = { sensitive: false, strict: false };
    const first = routes.pathToRegexp('/infra/kv/:key', options);
    expect(routes.pathToRegexp('/infra/kv/:key', { ...options })).toBe(first);
    expect(routes.pathToRegexp('/infra/kv/:key', { sensitive: true, strict: false })).not.toBe(first);
  });

  it.each([
    ['/infra/kv/:key', '/infra/kv/hello', ['hello']],
    ['/infra/kv/:key/increment', '/infra/kv/a%2Fb/increment', ['a%2Fb']],
    ['/core/organizations/:org_id/projects/:project_id', '/core/organizations/org_1/projects/proj_2', ['org_1', 'proj_2']],
    ['/infra/kv/:key', '/infra/kv/hello/increment', null],
  ])('%s matches %s as before', (pattern, path, groups) => {
    for (let i = 0; i < 2; i++) {
      const { regexp, keys } = routes.pathToRegexp(pattern, { sensitive: false, strict: false });
      const match = regexp.exec(path);
      expect(match ? match.slice(1) : null).toEqual(groups);
      expect(keys.map((k) => k.name)).toEqual([...pattern.matchAll(/:(\w+)/g)].map((m) => m[1]));
    }
  });
});

describe('the OpenAPI meta-schema', () => {
  const options = { version: '3.1.0', validateApiSpec: true };
  it.each([
    ['accepts a valid document', { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} }, false],
    ['rejects one without info.version', { openapi: '3.1.0', info: { title: 't' }, paths: {} }, true],
  ])('%s when asked', (_name, doc, invalid) => {
    const { errors } = new schema.OpenAPISchemaValidator(options).validate(doc);
    expect(errors.length > 0).toBe(invalid);
  });
});
