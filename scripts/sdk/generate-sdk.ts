/**
 * Generates the SDK source from the document: an operation table and a typed surface derived
 * from each operation's `x-sdk` extension, followed by the runtime in ./runtime.ts.
 *
 * @module scripts/sdk/generate-sdk
 */
import { readFileSync } from 'node:fs';
import { resolve, serverUrl } from '../document.ts';

type Json = any;
interface SdkExt {
  method: string;
  args: string[];
  static?: string;
}

const RUNTIME = readFileSync(new URL('./runtime.ts', import.meta.url), 'utf8');

function runtimeText(): string {
  const start = RUNTIME.indexOf('// ---- runtime:start');
  const end = RUNTIME.indexOf('// ---- runtime:end');
  if (start < 0 || end < 0) throw new Error('runtime markers missing in scripts/sdk/runtime.ts');
  return RUNTIME.slice(RUNTIME.indexOf('\n', start) + 1, end).trimEnd();
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
  const stream = Boolean(op.responses?.['200']?.content?.['text/event-stream']);

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
  if (stream) sig.push('options?: { signal?: AbortSignal }');
  return {
    name: sdk.method,
    opType,
    sig: sig.join(', '),
    ret: stream ? 'AsyncGenerator<ChannelEvent>' : `Promise<Ok<${opType}>>`,
  };
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
      const stream = Boolean(op.responses?.['200']?.content?.['text/event-stream']);
      table.push(
        `  ${JSON.stringify(sdk.method)}: { method: ${JSON.stringify(verb.toUpperCase())}, path: ${JSON.stringify(path)}, ` +
          `args: ${JSON.stringify(sdk.args)}, pathParams: ${JSON.stringify(pathParams)}${op.requestBody ? ', body: true' : ''}${stream ? ', stream: true' : ''} },`,
      );
      if (sdk.static) {
        statics.push(
          `  /** ${op.summary}, with \`apiKey\` as the credential. */\n` +
            `  static ${sdk.static}(params: { apiKey: string } & ClientOptions & Body<${m.opType}>): Promise<Ok<${m.opType}>> {\n` +
            `    const { apiKey, baseUrl, fetch, headers, ...body } = params;\n` +
            `    return call(fetchClient(apiKey, { baseUrl, fetch, headers }), OPERATIONS[${JSON.stringify(sdk.method)}], [body]) as Promise<Ok<${m.opType}>>;\n` +
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

  const runtime = runtimeText().replace(
    'export class SaaSignalClient {\n',
    `export class SaaSignalClient {\n${statics.join('\n')}\n`,
  );

  return [
    header,
    `import type { components, paths } from './types.ts';`,
    runtime,
    '',
    '/** An event received from a channel subscription (the stream\'s `itemSchema`). */',
    `export type ChannelEvent = components['schemas']['ChannelEvent'];`,
    '',
    `const DEFAULT_BASE_URL = ${JSON.stringify(serverUrl(doc))};`,
    '',
    ...errorClasses.map((e) => `/** ${e.status}: ${e.description} */\nexport class ${e.name} extends SaaSignalError {}`),
    '',
    `const ERROR_CLASSES: Record<number, typeof SaaSignalError> = {\n${errorClasses
      .map((e) => `  ${e.status}: ${e.name},`)
      .join('\n')}\n};`,
    '',
    `const OPERATIONS: Record<string, OperationSpec> = {\n${table.join('\n')}\n};`,
    '',
    '// Request and response types of one operation, from the openapi-typescript output.',
    `type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;`,
    `export type Body<O> = O extends { requestBody?: infer RB } ? JsonOf<NonNullable<RB>> : never;`,
    `export type Path<O> = O extends { parameters: { path: infer P } } ? P : never;`,
    `export type Query<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;`,
    `export type Ok<O> = O extends { responses: infer R } ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]> : never;`,
    '',
    '/** The API surface, one method per operation, as the docs\' examples use it. */',
    `export interface SaaSignalApi {\n${surface(methods, docs)}\n}`,
    '',
    '// The class gets its methods at run time from OPERATIONS; this gives them their types.',
    'export interface SaaSignalClient extends SaaSignalApi {}',
    '',
    'export default createClient;',
    '',
  ].join('\n');
}
