/**
 * A second, independent client generator against the real server: @hey-api/openapi-ts (0.95,
 * the newest that runs on Node 20) generates a client from generated/openapi.json; the client and
 * ./hey-api/scenario.ts compile with `tsc --strict`; the scenario drives every operation against
 * a real server process (the channel stream with typed `ChannelEvent`s included), through a
 * `fetch` that records each exchange; and every answer is validated against the document with
 * ajv: its status is declared, its body matches the schema of its media type, and every declared
 * header it carries matches its schema.
 *
 * The operation list comes from the document: an operation the scenario does not reach fails the
 * test by name, so a new operation cannot be skipped silently.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loggedLink } from '../support/mailbox.ts';
import { freePort, type ServerProcess, startServer } from '../support/processes.ts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const documentPath = join(root, 'generated', 'openapi.json');
// biome-ignore lint: the document is walked generically.
const doc: any = JSON.parse(readFileSync(documentPath, 'utf8'));
const work = join(root, '.tmp', `hey-api-${process.pid}`);

let server: ServerProcess;

beforeAll(async () => {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const port = await freePort();
  const starting = startServer({ databaseUrl: join(work, 'hey.db'), port, env: { SAASIGNAL_BASE_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'info', SMTP_URL: '' } });
  const { createClient } = await import('@hey-api/openapi-ts');
  await createClient({
    input: documentPath,
    output: join(work, 'client'),
    plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
    logs: { level: 'silent' },
  });
  cpSync(join(import.meta.dirname, 'hey-api', 'scenario.ts'), join(work, 'scenario.ts'));
  server = await starting;
}, 180_000);

afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

it('the generated client and the scenario compile with tsc --strict', async () => {
  const tsc = join(root, 'node_modules', '.bin', 'tsc');
  const args = ['--strict', '--noEmit', '--module', 'esnext', '--moduleResolution', 'bundler', '--target', 'es2022', '--lib', 'es2023,dom', '--skipLibCheck', '--types', 'node', 'scenario.ts'];
  const result = await run(tsc, args, { cwd: work, timeout: 170_000 }).then(
    () => '',
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  expect(result).toBe('');
}, 180_000);

interface Exchange {
  method: string;
  path: string;
  status: number;
  headers: Headers;
  contentType: string;
  body: unknown;
}

/** Every operation of the document as a matcher from (method, path) to its operationId. */
const operations = Object.entries<any>(doc.paths).flatMap(([path, item]) =>
  Object.entries<any>(item).map(([method, op]) => ({
    method: method.toUpperCase(),
    operationId: op.operationId as string,
    op,
    // Path parameters match one segment (keys and channel names are sent encoded).
    match: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`),
  })),
);
/** The token of the verification link the server (without SMTP) logged for `email`. */
const mailedToken = async (from: ServerProcess, email: string) => (await loggedLink(from.output, email)).searchParams.get('token')!;

const operationOf = (method: string, path: string) => operations.find((o) => o.method === method && o.match.test(path));

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
addFormats(ajv);
ajv.addSchema(doc, 'openapi.json');
const resolveRef = (node: any) => {
  let n = node;
  for (let i = 0; n?.$ref && i < 10; i++) n = n.$ref.split('/').slice(1).reduce((o: any, k: string) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  return n;
};
/** A validator for a schema object of the document, found by its JSON pointer. */
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
const validatorAt = (pointer: string) => {
  let v = validators.get(pointer);
  if (!v) validators.set(pointer, (v = ajv.compile({ $ref: `openapi.json#${pointer}` })));
  return v;
};
const escape = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** What is wrong with one answer, measured against the document (empty when nothing). */
function problems(x: Exchange): string[] {
  const found = operationOf(x.method, x.path);
  if (!found) return [`${x.method} ${x.path}: no operation of the document`];
  const where = `${found.operationId} ${x.status}`;
  const { op } = found;
  const status = String(x.status);
  const key = status in op.responses ? status : `${status[0]}XX` in op.responses ? `${status[0]}XX` : 'default' in op.responses ? 'default' : null;
  if (!key) return [`${where}: status not declared`];
  const response = resolveRef(op.responses[key]);
  const out: string[] = [];
  const mediaType = x.contentType.split(';')[0].trim();
  const content = response.content ?? {};
  if (Object.keys(content).length > 0 && !(mediaType in content)) out.push(`${where}: content type ${mediaType} not declared`);
  // The body: JSON answers whole; for the event stream, each event (checked by the test below).
  if (mediaType === 'application/json' && content[mediaType]) {
    const base = op.responses[key].$ref ?? `#/paths/${escape(Object.keys(doc.paths).find((p) => doc.paths[p][x.method.toLowerCase()] === op)!)}/${x.method.toLowerCase()}/responses/${key}`;
    const validate = validatorAt(`${base.slice(1)}/content/${escape(mediaType)}/schema`);
    if (!validate(x.body)) out.push(`${where}: body ${ajv.errorsText(validate.errors)}`);
  }
  for (const [name, declared] of Object.entries<any>(response.headers ?? {})) {
    const value = x.headers.get(name);
    if (value === null) continue;
    const schema = resolveRef(declared).schema;
    const typed = schema?.type === 'integer' || schema?.type === 'number' ? Number(value) : value;
    const validate = ajv.compile(schema ?? {});
    if (!validate(typed)) out.push(`${where}: header ${name}: ${JSON.stringify(value)} ${ajv.errorsText(validate.errors)}`);
  }
  return out;
}

it('drives every operation of the document against a real server; every answer, headers included, matches the document', async () => {
  const exchanges: Exchange[] = [];
  const recording: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const contentType = response.headers.get('content-type') ?? '';
    const url = new URL(request.url);
    const exchange: Exchange = { method: request.method, path: url.pathname, status: response.status, headers: response.headers, contentType, body: undefined };
    exchanges.push(exchange);
    if (!contentType.startsWith('text/event-stream')) {
      const text = await response.clone().text();
      exchange.body = text ? JSON.parse(text) : undefined;
    }
    return response;
  };
  // biome-ignore lint: the scenario is compiled separately (see the test above).
  const { scenario } = (await import(/* @vite-ignore */ join(work, 'scenario.ts'))) as any;
  const { events } = await scenario(server.url, recording, `${process.pid}-${Date.now()}`, (email: string) => mailedToken(server, email));

  // Each event of the stream matches the ChannelEvent schema the stream declares.
  const eventSchema = validatorAt(`/components/schemas/ChannelEvent`);
  expect(events.length).toBe(1);
  for (const event of events) expect(eventSchema(event), ajv.errorsText(eventSchema.errors)).toBe(true);

  expect(exchanges.flatMap(problems)).toEqual([]);
  // Every operation answered with a success at least once.
  const succeeded = new Set(exchanges.filter((x) => x.status < 300).map((x) => operationOf(x.method, x.path)?.operationId));
  const missing = operations.map((o) => o.operationId).filter((id) => !succeeded.has(id));
  expect(missing, 'operations the scenario does not reach: extend test/contract/hey-api/scenario.ts').toEqual([]);
  expect(exchanges.length).toBeGreaterThan(operations.length);
}, 120_000);
