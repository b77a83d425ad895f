/**
 * Code samples generated from the document, one curl command and one SDK call per operation,
 * added as Redoc's `x-codeSamples`. Nothing here names an endpoint: the curl command comes from
 * the method, path, parameters, credential kinds (`x-credentials`) and schema examples; the SDK
 * call from the operation's `x-sdk` extension, the same one the SDK generator reads.
 *
 * @module docs-site/code-samples
 * @see https://redocly.com/docs/realm/content/api-docs/openapi-extensions/x-code-samples
 */
import { cliCommand } from '../lib/cli-commands.ts';
import { type Json, type Operation, operations, parameters, type Parameter, refName, requestBody, resolve, serverUrl, successResponse } from '../lib/openapi-document.ts';
import { exampleOf } from './examples.ts';
import { call } from './js-literal.ts';

/** The npm package name the SDK samples import from. */
export const SDK_PACKAGE = 'saasignal';

/**
 * How each credential kind is sent, and the environment variable the samples keep it in.
 * Kinds are tried in this order: the sample shows the first one the operation accepts.
 */
export const CREDENTIAL_SAMPLES = [
  { kind: 'apiKey', env: 'SAASIGNAL_API_KEY', in: 'header' },
  { kind: 'session', env: 'SAASIGNAL_TOKEN', in: 'header' },
  { kind: 'browser', env: 'SAASIGNAL_BROWSER_TOKEN', in: 'header' },
  { kind: 'browserQuery', env: 'SAASIGNAL_BROWSER_TOKEN', in: 'query' },
] as const;

export interface CodeSample {
  lang: string;
  label: string;
  source: string;
}

interface SdkExt {
  method: string;
  args: string[];
  static?: string;
}

function credentialOf(op: Json) {
  const kinds: string[] = op['x-credentials'] ?? [];
  return CREDENTIAL_SAMPLES.find((c) => kinds.includes(c.kind));
}

/** Query parameters that carry a credential (apiKey schemes `in: query`): never shown as data. */
function credentialQueryNames(doc: Json, op: Json): Set<string> {
  const schemes = doc.components?.securitySchemes ?? {};
  const names = (op.security ?? []).flatMap((req: Json) =>
    Object.keys(req).map((s) => schemes[s]).filter((s: Json) => s?.type === 'apiKey' && s.in === 'query').map((s: Json) => s.name),
  );
  return new Set(names);
}

/** The parameter's example: its own, then its schema's. */
function paramExample(doc: Json, p: Parameter): unknown {
  return p.example !== undefined ? p.example : exampleOf(doc, p.schema);
}

/**
 * Query parameters a sample shows: the required ones, and the optional ones whose own schema
 * gives an example (an author's choice to illustrate them); shared components such as a cursor
 * are left to the reference.
 */
function sampleQuery(doc: Json, operation: Operation): [string, unknown][] {
  const hidden = credentialQueryNames(doc, operation.op);
  return parameters(doc, operation)
    .filter((p) => p.in === 'query' && !hidden.has(p.name))
    .filter((p) => p.required || p.example !== undefined || (p.schema && !p.schema.$ref && !p.schema.allOf && 'example' in p.schema))
    .map((p) => [p.name, paramExample(doc, p)] as [string, unknown])
    .filter(([, v]) => v !== undefined);
}

function pathValues(doc: Json, operation: Operation): Record<string, unknown> {
  return Object.fromEntries(
    parameters(doc, operation)
      .filter((p) => p.in === 'path')
      .map((p) => [p.name, paramExample(doc, p)]),
  );
}

function bodyExample(doc: Json, operation: Operation): Record<string, unknown> | undefined {
  const body = requestBody(doc, operation);
  if (!body) return undefined;
  const value = exampleOf(doc, body.schema);
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function formExample(doc: Json, operation: Operation): Record<string, unknown> | undefined {
  const schema = resolve(doc, operation.op.requestBody)?.content?.['application/x-www-form-urlencoded']?.schema;
  const value = schema ? exampleOf(doc, schema) : undefined;
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

// ---- curl ------------------------------------------------------------------------------------

/** Percent-encodes a path segment or query value, leaving characters curl and servers take as is. */
function encode(value: unknown): string {
  return encodeURIComponent(String(value)).replace(/%3A/gi, ':').replace(/%40/g, '@').replace(/%2C/gi, ',');
}

function shellSingleQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function curlSample(doc: Json, operation: Operation): string {
  const { op } = operation;
  const values = pathValues(doc, operation);
  const path = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encode(values[name]));
  const credential = credentialOf(op);
  const query = sampleQuery(doc, operation).map(([k, v]) => `${encode(k)}=${encode(v)}`);
  if (credential?.in === 'query') {
    const scheme = Object.values<Json>(doc.components?.securitySchemes ?? {}).find((s) => s.type === 'apiKey' && s.in === 'query');
    query.push(`${scheme?.name ?? 'token'}=$${credential.env}`);
  }
  const url = `${serverUrl(doc)}${path}${query.length ? `?${query.join('&')}` : ''}`;
  const method = operation.method.toUpperCase();
  const flags = [
    // -N: print server-sent events as they arrive instead of buffering them.
    ...(op.responses?.['200']?.content?.['text/event-stream'] ? ['-N'] : []),
    ...(method === 'GET' ? [] : ['-X', method]),
  ];
  const lines = [['curl', ...flags, /[?&$ ]/.test(url) ? `"${url}"` : url].join(' ')];
  if (credential?.in === 'header') lines.push(`-H "Authorization: Bearer $${credential.env}"`);
  const body = bodyExample(doc, operation);
  if (body !== undefined) {
    lines.push('-H "Content-Type: application/json"');
    lines.push(`-d ${shellSingleQuote(JSON.stringify(body))}`);
  }
  // A form body (the OAuth endpoints, RFC 6749): one `--data-urlencode name=value` per field.
  for (const [name, value] of Object.entries(formExample(doc, operation) ?? {})) lines.push(`--data-urlencode ${shellSingleQuote(`${name}=${value}`)}`);
  return lines.join(' \\\n  ');
}

// ---- SDK -------------------------------------------------------------------------------------

/** `KvEntry` -> `kvEntry`: the variable a sample assigns the result to. */
function variableFor(doc: Json, operation: Operation): string | undefined {
  const ok = successResponse(doc, operation);
  const schema = ok?.response?.content?.['application/json']?.schema;
  if (!schema) return undefined;
  const name = refName(schema) ?? 'result';
  return name[0].toLowerCase() + name.slice(1);
}

/** The positional arguments of the SDK call, from `x-sdk.args`, with example values. */
export function sdkArguments(doc: Json, operation: Operation, sdk: SdkExt): unknown[] {
  const path = pathValues(doc, operation);
  const query = Object.fromEntries(sampleQuery(doc, operation));
  const body = bodyExample(doc, operation) ?? {};
  const bodySchema = requestBody(doc, operation);
  const picked = new Set(sdk.args.filter((a) => a.startsWith('body:')).map((a) => a.slice(5)));
  const rest = Object.fromEntries(Object.entries(body).filter(([k]) => !picked.has(k)));

  const args: { value: unknown; optional: boolean }[] = sdk.args.map((arg) => {
    if (arg === 'body') return { value: rest, optional: !bodySchema?.required && Object.keys(rest).length === 0 };
    if (arg === 'query') return { value: query, optional: Object.keys(query).length === 0 };
    if (arg === 'path+body') return { value: { ...path, ...rest }, optional: false };
    const [where, name] = arg.split(':');
    if (where === 'path') return { value: path[name], optional: false };
    if (where === 'query') return { value: query[name], optional: false };
    const field = resolve(doc, bodySchema?.schema)?.properties?.[name];
    return { value: name in body ? body[name] : exampleOf(doc, field), optional: false };
  });
  // Trailing optional arguments with nothing to say are left out, as a person would.
  while (args.length && args[args.length - 1].optional) args.pop();
  return args.map((a) => a.value);
}

export function sdkSample(doc: Json, operation: Operation): string | undefined {
  const sdk: SdkExt | undefined = operation.op['x-sdk'];
  if (!sdk) return undefined;
  const args = sdkArguments(doc, operation, sdk);
  const credential = credentialOf(operation.op);
  const variable = variableFor(doc, operation);
  const assign = (expr: string) => (variable && !['put', 'patch', 'delete'].includes(operation.method) ? `const ${variable} = ${expr}` : expr);

  if (sdk.static) {
    const params = { apiKey: '__API_KEY__', ...(args[0] as object) };
    const text = assign(call(`await SaaSignalClient.${sdk.static}`, [params]));
    return [
      `import { SaaSignalClient } from '${SDK_PACKAGE}'`,
      '',
      text.replace(`'__API_KEY__'`, `process.env.${CREDENTIAL_SAMPLES[0].env}!`),
    ].join('\n');
  }

  const client = credential ? `createClient(process.env.${credential.env})` : 'createClient()';
  const stream = Boolean(operation.op.responses?.['200']?.content?.['text/event-stream']);
  const invocation = stream
    ? [`for await (const event of ${call(`ss.${sdk.method}`, args)}) {`, '  console.log(event.event, event.data)', '}'].join('\n')
    : assign(call(`await ss.${sdk.method}`, args));
  return [`import { createClient } from '${SDK_PACKAGE}'`, '', `const ss = ${client}`, invocation].join('\n');
}

// ---- CLI -------------------------------------------------------------------------------------

/** A word as a shell reads it back: bare when it is plain, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : shellSingleQuote(s);
}

/**
 * The operation as a `saasignal` command, with the SDK sample's example values: positionals in
 * order, then the options that have a value. The organization is left out where the login
 * supplies it (`--org-id` defaults to the login's).
 */
export function cliSample(doc: Json, operation: Operation): string | undefined {
  const row = cliCommand(doc, operation);
  const sdk: SdkExt | undefined = operation.op['x-sdk'];
  if (!row || !sdk) return undefined;
  const values: Record<string, unknown> = {};
  const args = sdkArguments(doc, operation, sdk);
  sdk.args.forEach((arg, i) => {
    if (arg.includes(':')) values[arg.slice(arg.indexOf(':') + 1)] = args[i];
    else Object.assign(values, args[i]);
  });
  // A string stays bare unless the CLI would read it as JSON (`kv set k 42` stores a number).
  const isJson = (t: string) => {
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  };
  const text = (v: unknown, type: string) => {
    if (type === 'list' && Array.isArray(v)) return v.join(',');
    if (typeof v === 'string' && type !== 'json' && !(type === 'any' && isJson(v))) return v;
    return JSON.stringify(v);
  };
  const words = ['saasignal', ...row.command.split(' ')];
  for (const p of row.params) {
    const v = values[p.name];
    if (v === undefined || (p.context === 'org' && !p.positional)) continue;
    if (p.positional) words.push(shellWord(text(v, p.type)));
    else if (p.type === 'boolean') {
      if (v === true) words.push(`--${p.name.replace(/_/g, '-')}`);
    } else words.push(`--${p.name.replace(/_/g, '-')}`, shellWord(text(v, p.type)));
  }
  return words.join(' ');
}

/** The samples of one operation, in the order the page shows them. */
export function codeSamples(doc: Json, operation: Operation): CodeSample[] {
  const samples: CodeSample[] = [{ lang: 'Shell', label: 'curl', source: curlSample(doc, operation) }];
  const sdk = sdkSample(doc, operation);
  if (sdk) samples.push({ lang: 'JavaScript', label: 'SDK', source: sdk });
  const cli = cliSample(doc, operation);
  if (cli) samples.push({ lang: 'Shell', label: 'CLI', source: cli });
  return samples;
}

/** A copy of the document with `x-codeSamples` on every operation. */
export function withCodeSamples(doc: Json): Json {
  const copy = structuredClone(doc);
  for (const operation of operations(copy)) operation.op['x-codeSamples'] = codeSamples(copy, operation);
  return copy;
}
