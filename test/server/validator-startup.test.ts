/**
 * The start-up replacements in express-openapi-validator's modules (server/startup/validator-startup.ts)
 * prepare the same document as the originals: the loader's output (document, routes) and the
 * preprocessor's (request and response documents) are deeply equal with and without them, on the
 * served document and on documents that take their fallbacks.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundlesToItself, speedUpValidatorStartup } from '../../server/startup/validator-startup.ts';

// The modules as the validator itself loads them.
const fromValidator = createRequire(createRequire(import.meta.url).resolve('express-openapi-validator'));
const { OpenApiValidator } = fromValidator('express-openapi-validator/dist/openapi.validator.js');
const { OpenApiSpecLoader } = fromValidator('express-openapi-validator/dist/framework/openapi.spec.loader.js');
const { SchemaPreprocessor } = fromValidator('express-openapi-validator/dist/middlewares/parsers/schema.preprocessor.js');
const refParser = fromValidator('@apidevtools/json-schema-ref-parser');

type Doc = Record<string, unknown>;

/** What server/http/openapi-validation.ts does with the document before serving, with its options. */
async function prepare(document: Doc, validateResponses: boolean) {
  const oav = new OpenApiValidator({ apiSpec: document, validateRequests: true, validateResponses, validateSecurity: false, validateApiSpec: false });
  const { serial: _serial, ...spec } = await new OpenApiSpecLoader({ apiDoc: structuredClone(document), validateApiSpec: false, $refParser: oav.options.$refParser }).load();
  const preprocessed = new SchemaPreprocessor(spec.apiDoc, oav.ajvOpts.preprocessor, validateResponses).preProcess();
  return { spec, preprocessed };
}

/** The outcome of preparing, or the error's class and message. */
const outcome = (document: Doc, validateResponses: boolean) =>
  prepare(document, validateResponses).catch((err: Error) => ({ error: `${err.constructor.name}: ${err.message}` }));

const served: Doc = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));

const info = { title: 't', version: '1' };
const item = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', readOnly: true }, size: { type: 'integer', minimum: 0 }, child: { $ref: '#/components/schemas/Item' } },
};
/** Refs to parameters, responses and request bodies, a recursive schema, a discriminator. */
const local: Doc = {
  openapi: '3.1.0',
  info,
  paths: {
    '/items/{id}': {
      parameters: [{ $ref: '#/components/parameters/Id' }],
      get: { responses: { '200': { $ref: '#/components/responses/Item' } } },
      put: { requestBody: { $ref: '#/components/requestBodies/Item' }, responses: { '200': { $ref: '#/components/responses/Item' } } },
    },
    '/shapes': {
      post: {
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Shape' } } } },
        responses: { '204': { description: 'none' } },
      },
    },
  },
  components: {
    parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z]+$' } } },
    requestBodies: { Item: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } },
    responses: { Item: { description: 'an item', content: { 'application/json': { schema: { $ref: '#/components/schemas/Item' } } } } },
    schemas: {
      Item: item,
      Circle: { type: 'object', required: ['kind'], properties: { kind: { const: 'circle' }, r: { type: 'number' } } },
      Square: { type: 'object', required: ['kind'], properties: { kind: { const: 'square' }, side: { type: 'number' } } },
      Shape: {
        oneOf: [{ $ref: '#/components/schemas/Circle' }, { $ref: '#/components/schemas/Square' }],
        discriminator: { propertyName: 'kind', mapping: { circle: '#/components/schemas/Circle', square: '#/components/schemas/Square' } },
      },
    },
  },
};
const withSchemas = (schemas: Doc): Doc => ({ ...local, components: { ...(local.components as Doc), schemas: { ...(local.components as { schemas: Doc }).schemas, ...schemas } } });
/** Other shapes of references: whether the bundling shortcut takes them, and the outcome either way. */
const variants: [string, Doc, boolean][] = [
  ['a reference into a schema', withSchemas({ Deep: { type: 'array', items: { $ref: '#/components/schemas/Item/properties/size' } } }), true],
  ['a reference to a reference', withSchemas({ Alias: { $ref: '#/components/schemas/Item' }, UsesAlias: { type: 'array', items: { $ref: '#/components/schemas/Alias' } } }), false],
  ['an escaped pointer', withSchemas({ 'a/b': { type: 'string' }, Escaped: { type: 'array', items: { $ref: '#/components/schemas/a~1b' } } }), false],
  ['a dangling reference', withSchemas({ Dangling: { type: 'array', items: { $ref: '#/components/schemas/Missing' } } }), false],
];

const originals: { served: unknown[]; local: unknown[]; variants: unknown[][] } = { served: [], local: [], variants: [] };
const originalBundle = refParser.bundle;
const originalResolve = SchemaPreprocessor.prototype.resolveSchema;

beforeAll(async () => {
  for (const responses of [false, true]) {
    originals.served.push(await outcome(served, responses));
    originals.local.push(await outcome(local, responses));
    originals.variants.push(await Promise.all(variants.map(([, doc]) => outcome(doc, responses))));
  }
  speedUpValidatorStartup();
  speedUpValidatorStartup(); // idempotent: installs nothing more
});

describe('validator start-up replacements', () => {
  it('are installed (and only once)', () => {
    expect(refParser.bundle).not.toBe(originalBundle);
    expect(SchemaPreprocessor.prototype.resolveSchema).not.toBe(originalResolve);
  });

  it('take the shortcut on the served document, which bundles to itself', async () => {
    expect(bundlesToItself(served)).toBe(true);
    const copy = structuredClone(served);
    expect(await refParser.bundle(copy)).toBe(copy);
    expect(copy).toEqual(served);
  });

  it.each([false, true])('prepare the served document as before (response validation %s)', async (responses) => {
    expect(await outcome(served, responses)).toEqual(originals.served[Number(responses)]);
  });

  it.each([false, true])('prepare local references to parameters, bodies, responses and recursive schemas as before (response validation %s)', async (responses) => {
    expect(bundlesToItself(local)).toBe(true);
    const prepared = await outcome(local, responses);
    expect(prepared).not.toHaveProperty('error');
    expect(prepared).toEqual(originals.local[Number(responses)]);
  });

  it.each(variants.map(([name, , shortcut], i) => [name, shortcut, i] as const))('prepare a document with %s as before (shortcut: %s)', async (_name, shortcut, i) => {
    expect(bundlesToItself(variants[i][1])).toBe(shortcut);
    for (const responses of [false, true]) expect(await outcome(variants[i][1], responses)).toEqual(originals.variants[Number(responses)][i]);
  });

  it('report the dangling reference as the original does', () => {
    expect(originals.variants[0][3]).toMatchObject({ error: expect.stringContaining('Missing') });
  });
});
