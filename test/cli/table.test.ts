/**
 * The CLI's command table (generated/cli.ts) as scripts/sdk/generate-cli.ts derives it from the
 * document: rows asserted exactly for a few operations, and coverage of every operation an API
 * key can call.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../generated/cli.ts';
import { operations } from '../../lib/openapi-document.ts';
import { sdkArguments } from '../../package/src/cli/values.ts';

const doc = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const row = (command: string) => COMMANDS.find((c) => c.command === command);

describe('the command table', () => {
  it.each([
    ['kv set', {
      command: 'kv set', summary: 'Set a value', method: 'infra.kv.set', sdkArgs: ['path:key', 'body:value', 'body'], route: 'PUT /infra/kv/{key}', scope: 'kv:write',
      params: [
        { name: 'key', in: 'path', positional: true, required: true, type: 'string', description: 'A key: 1–512 characters, no control characters and no `..` sequence.' },
        { name: 'value', in: 'body', positional: true, required: true, type: 'any', description: 'Any JSON value (object, array, string, number, boolean or null), at most 256 KB serialized (413 beyond).' },
        { name: 'ttl', in: 'body', positional: false, required: false, type: 'integer', description: 'Time-to-live in seconds, an integer > 0 and ≤ 9007199254740991.' },
        { name: 'if_not_exists', in: 'body', positional: false, required: false, type: 'boolean', description: 'If `true`, fail with 409 `KEY_EXISTS` when the key already exists.' },
      ],
    }],
    ['channels subscribe', {
      command: 'channels subscribe', summary: 'Subscribe to a channel', method: 'infra.channels.subscribe', sdkArgs: ['path:channel'], route: 'GET /infra/channels/{channel}/subscribe', scope: 'channels:subscribe', stream: true,
      params: [{ name: 'channel', in: 'path', positional: true, required: true, type: 'string', description: expect.stringMatching(/^Channel name/) }],
    }],
  ])('%s', (command, want) => {
    expect(row(command)).toEqual(want);
  });

  it('org_id is an option filled from the login, except where the organization is the object', () => {
    expect(row('projects list')?.params.find((p) => p.name === 'org_id')).toMatchObject({ positional: false, context: 'org' });
    expect(row('orgs get')?.params[0]).toMatchObject({ name: 'org_id', positional: true, context: 'org' });
    expect(row('tokens create')?.params.find((p) => p.name === 'scopes')).toMatchObject({ type: 'list', required: true, choices: expect.arrayContaining(['kv:read']) });
    expect(row('kv scan')?.page).toEqual({ cursor: 'cursor', next: 'next_cursor', items: 'keys' });
  });

  it('every operation an API key can call has a command', () => {
    const commanded = new Set(COMMANDS.map((c) => c.method));
    const missing = operations(doc).filter((o) => o.op['x-credentials'].includes('apiKey') && !commanded.has(o.op['x-sdk'].method));
    expect(missing.map((o) => o.operationId)).toEqual([]);
  });

  it.each([
    ['kv set', { key: 'k', value: { a: 1 }, ttl: 60 }, ['k', { a: 1 }, { ttl: 60 }]],
    ['channels publish', { channel: 'room', event: 'hi', data: [1] }, ['room', { event: 'hi', data: [1] }]],
    ['tokens create', { org_id: 'org_1', name: 'n', scopes: ['kv:read'] }, [{ org_id: 'org_1', name: 'n', scopes: ['kv:read'] }]],
    ['balance', { org_id: 'org_1' }, ['org_1']],
    ['kv scan', { prefix: 'a:' }, [{ prefix: 'a:' }]],
  ])('%s: typed values become the SDK call arguments', (command, values, want) => {
    expect(sdkArguments(row(command) as never, values)).toEqual(want);
  });
});
