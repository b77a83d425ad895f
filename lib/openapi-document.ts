/**
 * Reading the generated OpenAPI document (a library, shared by docs-site/, the SDK generator and the CLI): `$ref` resolution, the operations in document order,
 * and the parts of an operation every output (SDK, code samples, llms.txt, search) needs.
 *
 * @module lib/openapi-document
 * @see https://spec.openapis.org/oas/v3.1.0#operation-object
 */

// The document is plain JSON validated by `redocly lint`; it is walked generically here.
// biome-ignore lint: see above.
export type Json = any;

export interface Operation {
  operationId: string;
  /** Lower-case HTTP method, as in the document. */
  method: string;
  path: string;
  tag: string;
  op: Json;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Follows `$ref`s (local ones only: the document is bundled) until a non-reference node. */
export function resolve(doc: Json, node: Json): Json {
  let seen = 0;
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (++seen > 32) throw new Error(`$ref cycle at ${node.$ref}`);
    const ref: string = node.$ref;
    if (!ref.startsWith('#/')) throw new Error(`external $ref not supported: ${ref}`);
    node = ref
      .slice(2)
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((n: Json, key) => n?.[key], doc);
    if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return node;
}

/** The name of a `#/components/schemas/X` reference, if the node is one. */
export function refName(node: Json): string | undefined {
  const ref = node?.$ref;
  return typeof ref === 'string' ? ref.split('/').pop() : undefined;
}

export function operations(doc: Json): Operation[] {
  return Object.entries<Json>(doc.paths ?? {}).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((method) => ({
      operationId: item[method].operationId,
      method,
      path,
      tag: item[method].tags?.[0] ?? 'Other',
      op: item[method],
    })),
  );
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  description?: string;
  /** The schema as written (may be a `$ref` or an `allOf` wrapper). */
  schema: Json;
  example?: unknown;
}

export function parameters(doc: Json, operation: Operation): Parameter[] {
  const item = doc.paths[operation.path];
  return [...(item.parameters ?? []), ...(operation.op.parameters ?? [])].map((p: Json) => {
    const r = resolve(doc, p);
    return { ...r, required: Boolean(r.required) } as Parameter;
  });
}

/** The JSON request body schema (as written) and whether the body is required. */
export function requestBody(doc: Json, operation: Operation): { schema: Json; required: boolean } | undefined {
  const body = resolve(doc, operation.op.requestBody);
  const schema = body?.content?.['application/json']?.schema;
  return schema ? { schema, required: Boolean(body.required) } : undefined;
}

/** The success response (the lowest 2xx) with its status. */
export function successResponse(doc: Json, operation: Operation): { status: string; response: Json } | undefined {
  const status = Object.keys(operation.op.responses ?? {})
    .filter((s) => /^2\d\d$/.test(s))
    .sort()[0];
  return status ? { status, response: resolve(doc, operation.op.responses[status]) } : undefined;
}

/**
 * The first server's URL, absolute: variables at their defaults, and a relative URL (the
 * reference is served by the API itself) resolved against the server's `x-default-origin`.
 * No trailing slash.
 */
export function serverUrl(doc: Json): string {
  const server = doc.servers?.[0];
  if (!server) return '';
  const url = String(server.url).replace(/\{(\w+)\}/g, (_: string, v: string) => server.variables?.[v]?.default ?? '');
  return (server['x-default-origin'] ? new URL(url, server['x-default-origin']).href : url).replace(/\/$/, '');
}
