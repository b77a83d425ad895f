/**
 * The CLI command of each operation, derived from the document (a library, shared by the
 * generator of generated/cli.ts and the docs' CLI samples): one row per operation with an
 * `x-sdk.cli` command, its positionals and options from the operation's parameters and body
 * schema (types, required fields, enums, descriptions), its summary as the help text. The CLI
 * (package/src/cli) turns the rows into commands that call the SDK.
 *
 * @module lib/cli-commands
 */
import type { CliOperation, CliParam, ParamType } from '../package/src/cli/table.ts';
import { type Json, type Operation, operations, parameters, requestBody, resolve, serverUrl } from './openapi-document.ts';

/** Where generated/cli.ts (in generated/) finds the table's types. */
const TABLE = '../package/src/cli/table.ts';

/**
 * The schema a field's value follows: the first non-null branch of a nullable `anyOf`, and the
 * members of an `allOf` merged (`allOf: [{$ref: Slug}, {description}]` is how a component gets
 * a field-specific description), later members winning.
 */
function unwrap(doc: Json, schema: Json): Json {
  const s = resolve(doc, schema) ?? {};
  const branches = s.anyOf ?? s.oneOf;
  if (branches) return { ...unwrap(doc, branches.find((b: Json) => resolve(doc, b)?.type !== 'null') ?? {}), ...(s.description ? { description: s.description } : {}) };
  if (s.allOf) {
    const { allOf, ...rest } = s;
    return Object.assign({}, ...allOf.map((m: Json) => unwrap(doc, m)), rest);
  }
  return s;
}

function typeOf(doc: Json, schema: Json): { type: ParamType; choices?: string[] } {
  const s = unwrap(doc, schema);
  if (s.enum) return { type: 'string', choices: s.enum.map(String) };
  if (s.type === 'integer') return { type: 'integer' };
  if (s.type === 'number') return { type: 'number' };
  if (s.type === 'boolean') return { type: 'boolean' };
  if (s.type === 'string') return { type: 'string' };
  if (s.type === 'array') {
    const items = unwrap(doc, s.items);
    return items.type === 'string' ? { type: 'list', ...(items.enum ? { choices: items.enum.map(String) } : {}) } : { type: 'json' };
  }
  if (s.type === 'object') return { type: 'json' };
  return { type: 'any' };
}

/** The first sentence of a description: help lines stay short. */
function sentence(text: unknown): string | undefined {
  if (typeof text !== 'string' || !text) return undefined;
  // A sentence ends before a capital letter or the end: `(e.g. `kv:read`)` does not end one.
  return (/^[^\n]*?[.!?](?=\s+[A-Z]|\s*$|\n)/.exec(text)?.[0] ?? text.split('\n')[0]).trim();
}

/** Query parameters that carry a credential (`browserQuery`'s `token`): never a CLI option. */
function queryCredentials(doc: Json): Set<string> {
  return new Set<string>(Object.values<Json>(doc.components?.securitySchemes ?? {}).filter((s) => s.in === 'query').map((s) => s.name));
}

/** The operation's CLI command, or undefined when it has none. */
export function cliCommand(doc: Json, operation: Operation): CliOperation | undefined {
  if (!operation.op['x-sdk']?.cli) return undefined;
  return describeOperation(doc, operation, queryCredentials(doc));
}

function describeOperation(doc: Json, operation: Operation, queryCredentials: Set<string>): CliOperation {
  const { op } = operation;
  const sdk: { method: string; args: string[]; cli: { command: string; args?: string[] } } = op['x-sdk'];
  const named = sdk.args.filter((a) => a.includes(':')).map((a) => a.split(':')[1]);
  const positionals = sdk.cli.args ?? named.filter((n) => n !== 'org_id');
  const params: CliParam[] = [];
  const add = (name: string, where: CliParam['in'], required: boolean, schema: Json, description?: string) => {
    const { type, choices } = typeOf(doc, schema);
    const help = sentence(description ?? unwrap(doc, schema).description);
    params.push({
      name, in: where, positional: positionals.includes(name), required, type,
      ...(help ? { description: help } : {}),
      ...(choices ? { choices } : {}),
      ...(name === 'org_id' ? { context: 'org' as const } : {}),
    });
  };
  const wanted = (name: string, where: 'path' | 'query' | 'body') =>
    sdk.args.some((a) => a === `${where}:${name}` || a === where || (a === 'path+body' && where !== 'query'));
  for (const p of parameters(doc, operation)) {
    if (p.in !== 'path' && p.in !== 'query') continue;
    if (p.in === 'query' && queryCredentials.has(p.name)) continue;
    if (wanted(p.name, p.in)) add(p.name, p.in, p.required, p.schema, p.description);
  }
  const body = requestBody(doc, operation);
  if (body) {
    const schema = resolve(doc, body.schema);
    const required = new Set<string>(schema.required ?? []);
    for (const [name, prop] of Object.entries<Json>(schema.properties ?? {})) {
      if (wanted(name, 'body')) add(name, 'body', required.has(name), prop);
    }
  }
  for (const name of positionals) {
    if (!params.some((p) => p.name === name)) throw new Error(`${operation.operationId}: x-sdk.cli.args names ${name}, which the request does not have`);
  }
  // Positionals in the declared order, then the options.
  params.sort((a, b) => Number(b.positional) - Number(a.positional) || (a.positional ? positionals.indexOf(a.name) - positionals.indexOf(b.name) : 0));
  const row: CliOperation = {
    command: sdk.cli.command,
    summary: op.summary,
    method: sdk.method,
    sdkArgs: sdk.args,
    route: `${operation.method.toUpperCase()} ${operation.path}`,
    scope: op['x-scope'] ?? null,
    params,
  };
  const page = op['x-pagination'];
  if (page) row.page = { cursor: page.cursor_param, next: page.next_cursor_field, items: page.items };
  if (op.responses?.['200']?.content?.['text/event-stream']) row.stream = true;
  return row;
}

/** generated/cli.ts: the command table, with the document's version and default base URL. */
export function generateCli(doc: Json, header: string): string {
  const rows = operations(doc)
    .map((o) => cliCommand(doc, o))
    .filter((r): r is CliOperation => r !== undefined);
  const seen = new Set<string>();
  for (const r of rows) {
    if (seen.has(r.command)) throw new Error(`two operations declare the CLI command "${r.command}"`);
    seen.add(r.command);
  }
  return [
    header,
    `import type { CliOperation } from '${TABLE}';`,
    '',
    "/** The document's version, which the package's follows. */",
    `export const VERSION = ${JSON.stringify(doc.info.version)};`,
    '',
    '/** Where the API is when neither --base-url nor SAASIGNAL_BASE_URL says. */',
    `export const DEFAULT_BASE_URL = ${JSON.stringify(serverUrl(doc))};`,
    '',
    'export const COMMANDS: CliOperation[] = [',
    ...rows.map((r) => `  ${JSON.stringify(r)},`),
    '];',
    '',
  ].join('\n');
}
