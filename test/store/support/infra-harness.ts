/**
 * The infra handlers on a bare Express app, for store-level suites that need the HTTP answers
 * (fault tests): the platform's error handler, and a fixed project credential in place of
 * authentication (which the app suites cover).
 */
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import type { AuthContext } from '../../../server/context.ts';
import { errorHandler } from '../../../server/http/error-handler.ts';
import { requestId } from '../../../server/http/request-id.ts';
import type { Infra } from '../../../server/infra/index.ts';
import { operationsById } from '../../../server/spec.ts';

export function infraApp(infra: Infra, projectId: string) {
  const app = express();
  app.use(requestId, express.json({ limit: '1mb' }));
  const auth: RequestHandler = (_req, res, next) => {
    res.locals.auth = {
      type: 'project_token',
      userId: null,
      orgId: 'org_harness',
      projectId,
      mode: 'live',
      scopes: ['*'],
      tokenId: null,
      sessionId: null,
      expiresAt: null,
    } satisfies AuthContext;
    next();
  };
  for (const [operationId, handler] of Object.entries(infra.handlers)) {
    const op = operationsById.get(operationId as never)!;
    app[op.method as 'get'](op.expressPath, auth, handler as unknown as RequestHandler);
  }
  app.use(errorHandler({ log: () => {} }));
  return app;
}

export async function listenOn(app: express.Express) {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
