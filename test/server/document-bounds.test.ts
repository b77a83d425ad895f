/**
 * The bounds the document states on what the server writes (issue 14, item 9) hold for what it
 * actually writes: error texts and details are cut to the document's maxLength/maxItems, the
 * origin it echoes fits its header's bound, every answer declares the CORS header it carries,
 * and the request bounds it enforces are the document's (through the validator).
 */
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../server/errors.ts';
import { errorHandler } from '../../server/http/error-handler.ts';
import { originOf } from '../../server/http/origins.ts';
import { requestId } from '../../server/http/request-id.ts';
import { document } from '../../server/spec.ts';
import { bearer, expectError, openApp, signUp, type TestApp, type User } from './support/platform.ts';

const envelope = document.components.schemas.Error.properties.error.properties;
const chars = (s: string) => [...s].length;

describe('the error envelope stays within the document', () => {
  it('cuts a long message and long details, and keeps the first maxItems details', async () => {
    const app = express();
    app.use(requestId);
    // An astral character at every position: the cut counts code points and never splits a pair.
    const long = '🔑'.repeat(5000);
    const details = Array.from({ length: 150 }, (_, i) => ({ path: `/body/${long}`, message: `${i} ${long}` }));
    app.get('/boom', () => {
      throw new ApiError('INVALID_REQUEST', long, { details });
    });
    app.use(errorHandler({ log: () => {} }));
    const res = await request(app).get('/boom');
    expect(res.status).toBe(400);
    const { message, details: sent } = res.body.error;
    expect(chars(message)).toBe(envelope.message.maxLength);
    expect(message.endsWith('…')).toBe(true);
    expect(message).not.toMatch(/\p{Cs}/u);
    expect(sent).toHaveLength(envelope.details.maxItems);
    expect(sent[0].message.startsWith('0 ')).toBe(true);
    for (const d of sent) {
      expect(chars(d.path)).toBeLessThanOrEqual(envelope.details.items.properties.path.maxLength);
      expect(chars(d.message)).toBeLessThanOrEqual(envelope.details.items.properties.message.maxLength);
    }
  });

  it('leaves a message within the bound as it is', async () => {
    const app = express();
    app.use(requestId);
    app.get('/boom', () => {
      throw new ApiError('NOT_FOUND', 'x'.repeat(envelope.message.maxLength));
    });
    app.use(errorHandler({ log: () => {} }));
    const res = await request(app).get('/boom');
    expect(res.body.error.message).toBe('x'.repeat(envelope.message.maxLength));
  });
});

describe('Access-Control-Allow-Origin', () => {
  const header = document.components.headers['Access-Control-Allow-Origin'].schema;

  it('trusts no origin longer than the header may be', () => {
    const near = `https://${'a'.repeat(header.maxLength - 'https://'.length - 4)}.com`;
    expect(originOf(near)).toBe(near);
    expect(originOf(`https://${'a'.repeat(header.maxLength)}.com`)).toBeNull();
  });

  it('is declared on every response of every operation', () => {
    for (const item of Object.values<any>(document.paths)) {
      for (const op of Object.values<any>(item)) {
        for (const [status, raw] of Object.entries<any>(op.responses)) {
          const response = raw.$ref ? document.components.responses[raw.$ref.split('/').pop()] : raw;
          expect(Object.keys(response.headers ?? {}), `${op.operationId} ${status}`).toContain('Access-Control-Allow-Origin');
        }
      }
    }
  });
});

describe('request bounds the server enforces are the document’s', () => {
  let t: TestApp;
  let owner: User;
  beforeAll(async () => {
    t = await openApp();
    owner = await signUp(t.app, 'document-bounds', 'Bounds Owner');
  });
  afterAll(async () => {
    expect(t.logs).toEqual([]);
    await t.close();
  });

  it('a project description may hold line breaks and tabs, but no other control character', async () => {
    const path = `/core/organizations/${owner.orgId}/projects`;
    const ok = await request(t.app).post(path).set(bearer(owner.session)).send({ name: 'Lines', description: 'first line\n\tsecond line\r\n' });
    expect(ok.status).toBe(201);
    expect(ok.body.description).toBe('first line\n\tsecond line\r\n');
    for (const bad of ['nul\u0000inside', 'bell\u0007', 'escape\u001b[31m']) {
      expectError(await request(t.app).post(path).set(bearer(owner.session)).send({ name: 'Bad', description: bad }), 400, 'INVALID_REQUEST');
    }
    const max = document.components.schemas.CreateProjectRequest.properties.description.maxLength;
    expectError(await request(t.app).post(path).set(bearer(owner.session)).send({ name: 'Long', description: 'd'.repeat(max + 1) }), 400, 'INVALID_REQUEST');
  });

  it('a confirmation with a control character is refused as malformed, and the organization stays', async () => {
    const res = await request(t.app).delete(`/core/organizations/${owner.orgId}`).set(bearer(owner.session)).send({ confirm_name: 'Bounds\u0000Owner' });
    expectError(res, 400, 'INVALID_REQUEST');
    expect((await request(t.app).get(`/core/organizations/${owner.orgId}`).set(bearer(owner.session))).status).toBe(200);
  });
});
