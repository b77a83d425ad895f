/**
 * Generates generated/sdk.ts from the document: only what comes from the document, the operation
 * table (from `x-sdk`, `x-pagination`, the event stream's `contentSchema` and the declared headers), one error class per
 * documented error response, and the typed surface. The runtime is an ordinary module,
 * package/src/runtime/, which the generated file imports.
 *
 * @module scripts/sdk/generate-sdk
 */
import { resolve, serverUrl } from '../../lib/openapi-document.ts';

type Json = any;
interface SdkExt {
  method: string;
  args: string[];
  static?: string;
}

/** Where generated/sdk.ts finds the runtime (bundled into the package by its build). */
const RUNTIME = '../package/src/runtime/index.ts';

/**
 * The event schema of a stream operation, as a type over `components`: the stream's schema when
 * it references a component (the schema of one event, as OpenAPI 3.1 generators read it), or the
 * `contentSchema` of a string schema.
 */
function eventType(doc: Json, op: Json): string | undefined {
  const media = op.responses?.['200']?.content?.['text/event-stream'];
  if (!media) return undefined;
  const ref: string | undefined = media.schema?.$ref ?? resolve(doc, media.schema)?.contentSchema?.$ref;
  if (!ref) return 'unknown';
  resolve(doc, { $ref: ref });
  return `components["schemas"][${JSON.stringify(ref.split('/').pop())}]`;
}

/** The camel-cased class name of an error response component: `NotFound` -> `NotFoundError`. */
function errorClassName(component: string) {
  return component.endsWith('Error') ? component : `${component}Error`;
}

interface Method {
  name: string;
  opType: string;
  sig: string;
  ret: string;
}

function describe(doc: Json, path: string, verb: string, op: Json, sdk: SdkExt): Method {
  const opType = `paths[${JSON.stringify(path)}][${JSON.stringify(verb)}]`;
  const body = resolve(doc, op.requestBody?.content?.['application/json']?.schema);
  const bodyRequired = new Set<string>(body?.required ?? []);
  const picked = new Set(sdk.args.filter((a) => a.startsWith('body:')).map((a) => a.slice(5)));
  const params: Json[] = (op.parameters ?? []).map((p: Json) => resolve(doc, p));
  const event = eventType(doc, op);
  const page = op['x-pagination'];

  const sig = sdk.args.map((arg) => {
    const [where, field] = arg.split(':');
    if (arg === 'body') {
      const optional = !op.requestBody?.required || [...bodyRequired].every((r) => picked.has(r));
      const type = picked.size ? `Omit<Body<${opType}>, ${[...picked].map((p) => JSON.stringify(p)).join(' | ')}>` : `Body<${opType}>`;
      return `body${optional ? '?' : ''}: ${type}`;
    }
    if (arg === 'query') {
      const optional = !params.some((p) => p.in === 'query' && p.required);
      return `query${optional ? '?' : ''}: Query<${opType}>`;
    }
    if (arg === 'path+body') return `params: Path<${opType}> & Body<${opType}>`;
    if (where === 'path') return `${field}: Path<${opType}>[${JSON.stringify(field)}]`;
    if (where === 'query') return `${field}: Query<${opType}>[${JSON.stringify(field)}]`;
    return `${field}: Body<${opType}>[${JSON.stringify(field)}]`;
  });
  sig.push(event ? 'options?: SubscribeOptions' : 'options?: RequestOptions');
  let ret = `APIPromise<Ok<${opType}>>`;
  if (event) ret = `AsyncGenerator<${event}>`;
  else if (page) ret = `PagePromise<Ok<${opType}>, Ok<${opType}>[${JSON.stringify(page.items)}][number]>`;
  return { name: sdk.method, opType, sig: sig.join(', '), ret };
}

/** Nests `a.b.c` method names into an interface body. */
function surface(methods: Method[], docs: Map<string, string>): string {
  type Node = { [k: string]: Node | Method };
  const root: Node = {};
  for (const m of methods) {
    const parts = m.name.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Node;
    node[parts[parts.length - 1]] = m;
  }
  const render = (node: Node, indent: string): string =>
    Object.entries(node)
      .map(([k, v]) =>
        'sig' in v
          ? `${indent}/** ${docs.get(v.name as string)} */\n${indent}${k}(${v.sig}): ${v.ret};`
          : `${indent}readonly ${k}: {\n${render(v as Node, indent + '  ')}\n${indent}};`,
      )
      .join('\n');
  return render(root, '  ');
}

export function generateSdk(doc: Json, header: string): string {
  const methods: Method[] = [];
  const table: string[] = [];
  const statics: string[] = [];
  const docs = new Map<string, string>();
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [verb, op] of Object.entries<Json>(item)) {
      const sdk: SdkExt | undefined = op['x-sdk'];
      if (!sdk) continue;
      const m = describe(doc, path, verb, op, sdk);
      methods.push(m);
      docs.set(m.name, `${op.summary}: \`${verb.toUpperCase()} ${path}\`.`);
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((x) => x[1]);
      const row: Record<string, unknown> = { method: verb.toUpperCase(), path, args: sdk.args, pathParams };
      if (op.requestBody) row.body = true;
      if (op.responses?.['200']?.content?.['text/event-stream']) row.stream = true;
      const headers = (op.parameters ?? []).map((p: Json) => resolve(doc, p)).filter((p: Json) => p.in === 'header');
      if (op['x-idempotent'] || headers.some((p: Json) => String(p.name).toLowerCase() === 'idempotency-key')) row.idempotent = true;
      const page = op['x-pagination'];
      if (page) row.page = { cursor: page.cursor_param, next: page.next_cursor_field, items: page.items };
      table.push(`  ${JSON.stringify(sdk.method)}: ${JSON.stringify(row)},`);
      if (sdk.static) {
        statics.push(
          `  /** ${op.summary}, with \`apiKey\` as the credential. */\n` +
            `  static ${sdk.static}(params: { apiKey: string } & ClientOptions & Body<${m.opType}>, options?: RequestOptions): APIPromise<Ok<${m.opType}>> {\n` +
            `    const { apiKey, baseUrl, fetch, headers, timeout, maxRetries, logLevel, logger, ...body } = params;\n` +
            `    return callOnce(API, ${JSON.stringify(sdk.method)}, apiKey, { baseUrl, fetch, headers, timeout, maxRetries, logLevel, logger }, [body, options]) as APIPromise<Ok<${m.opType}>>;\n` +
            `  }`,
        );
      }
    }
  }

  const errorClasses = Object.entries<Json>(doc.components.responses).map(([name, resp]) => {
    const status = Object.entries<Json>(doc.paths)
      .flatMap(([, item]) => Object.values<Json>(item).flatMap((op) => Object.entries<Json>(op.responses ?? {})))
      .find(([, r]) => r.$ref === `#/components/responses/${name}`)?.[0];
    return { name: errorClassName(name), status: Number(status), description: resp.description };
  });

  return [
    header,
    `import type { components, paths } from './types.ts';`,
    `import { type APIPromise, type ApiDefinition, BaseClient, callOnce, type ClientOptions, type OperationSpec, type PagePromise, type RequestOptions, SaaSignalError, type SubscribeOptions } from '${RUNTIME}';`,
    '',
    `export { APIConnectionError, APIPromise, APITimeoutError, PagePromise, SaaSignalError } from '${RUNTIME}';`,
    `export type { ClientOptions, Logger, LogLevel, RequestOptions, SubscribeOptions, WithResponse } from '${RUNTIME}';`,
    `export type { components, paths } from './types.ts';`,
    '',
    ...errorClasses.map((e) => `/** ${e.status}: ${e.description} */\nexport class ${e.name} extends SaaSignalError {}`),
    '',
    `const ERROR_CLASSES: ApiDefinition['errors'] = {\n${errorClasses.map((e) => `  ${e.status}: ${e.name},`).join('\n')}\n};`,
    '',
    `const OPERATIONS: Record<string, OperationSpec> = {\n${table.join('\n')}\n};`,
    '',
    `const API: ApiDefinition = { operations: OPERATIONS, errors: ERROR_CLASSES, baseUrl: ${JSON.stringify(serverUrl(doc))} };`,
    '',
    '// Request and response types of one operation, from the openapi-typescript output.',
    `type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;`,
    `export type Body<O> = O extends { requestBody?: infer RB } ? JsonOf<NonNullable<RB>> : never;`,
    `export type Path<O> = O extends { parameters: { path: infer P } } ? P : never;`,
    `export type Query<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;`,
    `export type Ok<O> = O extends { responses: infer R } ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]> : never;`,
    '',
    '// The event type of each stream, by its schema name (e.g. `ChannelEvent`).',
    ...[...new Set(methods.map((m) => /^AsyncGenerator<components\["schemas"\]\["(\w+)"\]>$/.exec(m.ret)?.[1]).filter(Boolean))].map(
      (name) => `export type ${name} = components["schemas"][${JSON.stringify(name)}];`,
    ),
    '',
    "/** The API surface, one method per operation, as the docs' examples use it; each takes the call's options last. */",
    `export interface SaaSignalApi {\n${surface(methods, docs)}\n}`,
    '',
    '/**',
    ' * The client. `createClient(key)` builds one; without a key it reads `SAASIGNAL_API_KEY`, then',
    ' * `SAASIGNAL_KEY`, then `SAASIGNAL_TOKEN`, from the environment. Its methods come from the operation table.',
    ' */',
    'export class SaaSignalClient extends BaseClient {',
    statics.join('\n'),
    '  constructor(key?: string, options?: ClientOptions) {',
    '    super(API, key, options);',
    '  }',
    '}',
    '',
    '// The class gets its methods at run time from OPERATIONS; this gives them their types.',
    'export interface SaaSignalClient extends SaaSignalApi {}',
    '',
    '/** Creates a client authenticated with `key` (an API token, browser token or session token). */',
    'export function createClient(key?: string, options?: ClientOptions): SaaSignalClient {',
    '  return new SaaSignalClient(key, options);',
    '}',
    '',
    'export default createClient;',
    '',
  ].join('\n');
}
