/**
 * Request (and, in tests, response) validation by express-openapi-validator, wired without the
 * per-request overhead of its `middleware()` factory, with the same answers.
 *
 * The factory returns six middlewares that each wait on the document's loading promise, so every
 * request paid five promise hops (each one also an AsyncLocalStorage propagation once better-auth
 * has run), and its route lookup ran the RegExp of every route of the document, in order, until one
 * matched (the KV routes came 25th; ~7% of a KV get's CPU with the RegExps memoized). Here:
 *
 * - the document is loaded once, before the app is built (a broken document stops the start
 *   instead of answering 500 to every request);
 * - one synchronous middleware runs the validator's own stages in its order: operation lookup,
 *   multipart (only for operations that can take a multipart body), request validation, response
 *   validation; security is off in this app (identify/authorize do it);
 * - the lookup is precompiled: the routes of the validator's context, in its order, each with its
 *   compiled RegExp and the literal text its path must start with; a request tries only the routes
 *   filed under its first path segment (and routes whose first segment is a parameter), so the
 *   first RegExp that matches is the one the validator's scan would have found;
 * - the validator's `app.param` callbacks (path parameters decoded by the validator override
 *   Express's) are not needed: operations run through ./operation-router.ts, which gives the
 *   handlers the parameters the validator decoded.
 *
 * What is not reimplemented: the request validator itself (Ajv, parameter mutation), the multipart
 * and response stages, their errors: they are the validator's own objects.
 *
 * @module server/http/openapi-validation
 * @see https://github.com/cdimascio/express-openapi-validator/blob/master/src/middlewares/openapi.metadata.ts
 */
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import { speedUpValidator, validatorRequire } from './validator-speedups.ts';

/** The options this app passes; `ignorePaths`, `useRequestUrl` and security validation are not supported here. */
export interface ValidationOptions {
  apiSpec: object;
  validateRequests: true;
  validateResponses: boolean;
  validateSecurity: false;
  validateApiSpec: false;
}

interface OpenApiRequest extends Request {
  openapi?: { expressRoute: string; openApiRoute: string; pathParams: Record<string, string>; schema: Record<string, unknown>; serial: number; _responseSchema?: unknown };
}

type Middleware = (req: Request, res: Response, next: NextFunction) => unknown;

interface Route {
  expressRoute: string;
  openApiRoute: string;
  /** The key of `paths` in the documents. */
  pathKey: string;
  regexp: RegExp;
  paramKeys: string[];
  /** The route's path up to its first parameter or other syntax, case-folded as its RegExp compares. */
  literal: string;
  /** The `Allow` header of a 405 on this path, as the validator writes it. */
  allow: string;
}

/** Characters that end a route's literal prefix in path-to-regexp 8 syntax. */
const SYNTAX = /[:*{}()[\]?+!\\]/;

/**
 * Whether the validator's multipart stage could act on this operation: its `shouldHandle` is true
 * only for a `multipart/form-data` body or a body schema of `format: binary`. A `$ref` that is not a
 * component schema counts as could.
 */
function mayTakeMultipart(operation: Record<string, unknown>, components: Record<string, { format?: string }> | undefined): boolean {
  if (operation.$ref) return true;
  const content = (operation.requestBody as { content?: Record<string, { schema?: { $ref?: string; format?: string } } | undefined> } | undefined)?.content;
  if (!content) return false;
  for (const [type, media] of Object.entries(content)) {
    if (type.includes('multipart/form-data')) return true;
    const ref = media?.schema?.$ref;
    if (ref !== undefined && !/^#\/components\/schemas\/[\w.-]+$/.test(ref)) return true;
    const schema = ref === undefined ? media?.schema : components?.[ref.slice('#/components/schemas/'.length)];
    if (schema?.format === 'binary') return true;
  }
  return false;
}

/**
 * Builds the validation middleware. `app` gives the routing settings the validator reads
 * (case-sensitive and strict routing) and must not change them afterwards.
 */
export async function openApiValidation(app: Express, options: ValidationOptions): Promise<RequestHandler> {
  speedUpValidator();
  const require = validatorRequire();
  const { OpenApiValidator } = require('express-openapi-validator/dist/openapi.validator.js');
  const { OpenApiSpecLoader } = require('express-openapi-validator/dist/framework/openapi.spec.loader.js');
  const { OpenApiContext } = require('express-openapi-validator/dist/framework/openapi.context.js');
  const { SchemaPreprocessor, httpMethods } = require('express-openapi-validator/dist/middlewares/parsers/schema.preprocessor.js');
  const { BadRequest, MethodNotAllowed, NotFound } = require('express-openapi-validator/dist/framework/types.js');
  const { RequestValidator, multipart } = require('express-openapi-validator/dist/middlewares/index.js');
  const { pathToRegexp } = require('path-to-regexp');
  const cloneDeep = require('lodash.clonedeep');

  // What the factory (dist/index.js) and `installMiddleware` do, once.
  const oav = new OpenApiValidator(options);
  const spec = await new OpenApiSpecLoader({ apiDoc: cloneDeep(options.apiSpec), validateApiSpec: options.validateApiSpec, $refParser: oav.options.$refParser }).load();
  const preprocessed = new SchemaPreprocessor(spec.apiDoc, oav.ajvOpts.preprocessor, oav.options.validateResponses).preProcess();
  const context = new OpenApiContext(spec, oav.options.ignorePaths, oav.options.ignoreUndocumented, oav.options.useRequestUrl);
  const responseApiDoc = preprocessed.apiDocRes as { paths: Record<string, Record<string, unknown>> } | null;
  const apiDoc = context.apiDoc as { paths: Record<string, Record<string, Record<string, unknown>>> };
  if (oav.options.ignorePaths || oav.options.useRequestUrl || oav.options.validateSecurity) throw new Error('openApiValidation: ignorePaths, useRequestUrl and validateSecurity are not supported');

  const sensitive = app.enabled('case sensitive routing');
  const strict = app.enabled('strict routing');
  const ascii = (text: string) => /^[\x00-\x7f]*$/.test(text);
  /** Exact for ASCII: what the RegExp's `i` flag equates there is exactly what `toLowerCase` equates. */
  const fold = (text: string) => (sensitive ? text : text.toLowerCase());
  const components = (apiDoc as { components?: { schemas?: Record<string, { format?: string }> } }).components?.schemas;
  /** Operations (objects of the document) for which the multipart stage must run. */
  const multipartOperations = new Set<unknown>();

  // The validator scans `expressRouteMap` in insertion order (its routes, sorted static-first).
  const routes: Route[] = Object.entries(context.expressRouteMap as Record<string, { basePath: string }>).map(([expressRoute, methods]) => {
    const openApiRoute = context.routePair(expressRoute).openApiRoute as string;
    const pathKey = openApiRoute.substring(methods.basePath.length);
    const { regexp, keys } = pathToRegexp(expressRoute, { sensitive, strict }) as { regexp: RegExp; keys: { name: string }[] };
    for (const operation of Object.values(apiDoc.paths[pathKey])) {
      if (operation && typeof operation === 'object' && mayTakeMultipart(operation, components)) multipartOperations.add(operation);
    }
    const allow = Object.keys(context.openApiRouteMap[openApiRoute])
      .filter((key) => httpMethods.has(key.toLowerCase()))
      .join(', ');
    return { expressRoute, openApiRoute, pathKey, regexp, paramKeys: keys.map((k) => k.name), literal: fold(expressRoute.split(SYNTAX)[0]), allow };
  });

  // A path can only match a route whose literal prefix it starts with (case-folded). Routes are
  // filed by the first segment of that prefix (`/infra` of `/infra/kv/:key`), which a matching
  // path's first segment equals, when the prefix holds the whole first segment: it goes on to a
  // `/`, or it is the whole (static) route. Other routes (`/:x`, `/a:x`, non-ASCII text) may match
  // under any first segment: they are in every list, in their place. A path with characters
  // outside ASCII tries every route (folding is exact only for ASCII).
  const firstSegment = (path: string) => {
    const end = path.indexOf('/', 1);
    return end === -1 ? path : path.slice(0, end);
  };
  const filed = (route: Route) => ascii(route.literal) && route.literal.length > 1 && (route.literal.indexOf('/', 1) !== -1 || route.literal === fold(route.expressRoute));
  const anywhere = routes.filter((route) => !filed(route));
  const bySegment = new Map<string, Route[]>();
  for (const route of routes.filter(filed)) {
    const segment = firstSegment(route.literal);
    if (!bySegment.has(segment)) bySegment.set(segment, routes.filter((r) => !filed(r) || firstSegment(r.literal) === segment));
  }

  type Matched = { route: Route; pathParams: Record<string, string> };
  /** The validator's `lookupRoute`: the first route, in its order, whose RegExp matches the path. */
  const lookupRoute = (req: Request): Matched | null => {
    const path = req.originalUrl.split('?')[0];
    const folded = ascii(path) ? fold(path) : undefined;
    const candidates = folded === undefined ? routes : (bySegment.get(firstSegment(folded)) ?? anywhere);
    for (const route of candidates) {
      if (folded !== undefined && !folded.startsWith(route.literal)) continue;
      const matched = route.regexp.exec(path);
      if (!matched) continue;
      try {
        const values = matched.slice(1).map(decodeURIComponent);
        const pathParams: Record<string, string> = {};
        route.paramKeys.forEach((key, i) => {
          pathParams[key] = values[i];
        });
        return { route, pathParams };
      } catch {
        throw new BadRequest({ path: req.path, message: `malformed uri'` });
      }
    }
    return null;
  };

  /** The validator's metadata stage (dist/middlewares/openapi.metadata.js) over the precompiled lookup. */
  const applyMetadata = (req: OpenApiRequest): void => {
    const matched = lookupRoute(req);
    if (matched) {
      const { route, pathParams } = matched;
      const method = req.method.toLowerCase();
      const schema = apiDoc.paths[route.pathKey][method];
      if (!schema) {
        if (context.ignoreUndocumented) return;
        throw new MethodNotAllowed({ path: req.path, message: `${req.method} method not allowed`, headers: { Allow: route.allow } });
      }
      req.openapi = { expressRoute: route.expressRoute, openApiRoute: route.openApiRoute, pathParams, schema, serial: context.serial };
      req.params = pathParams;
      if (responseApiDoc) req.openapi._responseSchema = responseApiDoc.paths[route.pathKey][method];
      return;
    }
    const path = req.path.startsWith(req.baseUrl) ? req.path : `${req.baseUrl}/${req.path}`;
    if (context.isManagedRoute(path) && !context.ignoreUndocumented) throw new NotFound({ path: req.path, message: 'not found' });
  };

  const requestValidator = new RequestValidator(apiDoc, oav.ajvOpts.request);
  // Built as the validator builds it, and only when an operation can use it (multer, another Ajv).
  const multipartStage: Middleware | undefined = multipartOperations.size > 0 ? multipart(apiDoc, { multerOpts: oav.options.fileUploader, ajvOpts: oav.ajvOpts.multipart }) : undefined;
  const responseStage: Middleware | undefined = oav.options.validateResponses ? oav.responseValidationMiddleware(responseApiDoc, context.serial) : undefined;

  const validateRequest = (req: Request, res: Response, next: NextFunction): unknown =>
    requestValidator.validate(req, res, responseStage ? (err?: unknown) => (err ? next(err) : responseStage(req, res, next)) : next);

  return function openApiValidator(req, res, next) {
    applyMetadata(req);
    if (multipartStage && multipartOperations.has((req as OpenApiRequest).openapi?.schema)) {
      return multipartStage(req, res, (err?: unknown) => (err ? next(err) : validateRequest(req, res, next)));
    }
    return validateRequest(req, res, next);
  };
}
