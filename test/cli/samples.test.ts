/**
 * The reference's CLI samples (docs-site/code-samples.ts) run through the real command parser:
 * each, split by bash as a shell would, must reach its command's action with the values that
 * make the same SDK call as the operation's SDK sample.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cliSample, sdkArguments as docsSdkArguments } from '../../docs-site/code-samples.ts';
import { operations } from '../../lib/openapi-document.ts';
import { Context } from '../../package/src/cli/context.ts';
import type { CliOperation } from '../../package/src/cli/table.ts';
import { sdkArguments } from '../../package/src/cli/values.ts';
import { cli, isolate } from './harness.ts';

const doc = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const withSamples = operations(doc).filter((o) => cliSample(doc, o));

/** The words bash makes of a command line. */
const argv = (line: string) => execFileSync('bash', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' }).split('\0').slice(0, -1);

afterEach(() => vi.restoreAllMocks());

describe('CLI samples in the reference', () => {
  it('there is one for every operation with a command', () => {
    expect(withSamples.length).toBeGreaterThan(30);
  });

  it.each(withSamples.map((o) => [o.operationId, o] as const))('%s: parses into the SDK sample’s call', async (_id, operation) => {
    await isolate();
    let seen: { op: CliOperation; values: Record<string, unknown> } | undefined;
    vi.spyOn(Context.prototype, 'callOperation').mockImplementation(async (op, values) => {
      seen = { op, values: { ...values } };
    });
    const words = argv(cliSample(doc, operation) as string);
    expect(words[0]).toBe('saasignal');
    const ran = await cli(words.slice(1));
    expect(ran, ran.stderr).toMatchObject({ code: 0 });
    const sdk = operation.op['x-sdk'];
    const want = docsSdkArguments(doc, operation, sdk);
    // The sample leaves the organization to the login: fill it in as the command would.
    const values = { ...seen?.values };
    if (seen?.op.params.some((p) => p.context === 'org') && values.org_id === undefined) {
      values.org_id = sdk.args.includes('path+body') ? (want[0] as { org_id: string }).org_id : want[sdk.args.findIndex((a: string) => a.endsWith(':org_id'))];
    }
    const got = sdkArguments(seen?.op as CliOperation, values);
    // Trailing empty objects are what the SDK sample leaves out.
    while (got.length > want.length && JSON.stringify(got.at(-1)) === '{}') got.pop();
    expect(got).toEqual(want);
  });
});
