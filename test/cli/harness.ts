/**
 * Runs the CLI in-process, as the bin does, with captured stdout and stderr, a config folder of
 * its own (XDG_CONFIG_HOME) and no credential from the surrounding environment.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../package/src/cli/main.ts';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const CREDENTIAL_VARS = ['SAASIGNAL_API_KEY', 'SAASIGNAL_KEY', 'SAASIGNAL_TOKEN', 'SAASIGNAL_BASE_URL'];

/** A fresh config folder and an environment without SaaSignal credentials; returns the folder. */
export async function isolate(): Promise<string> {
  for (const v of CREDENTIAL_VARS) delete process.env[v];
  const dir = await mkdtemp(join(tmpdir(), 'saasignal-cli-'));
  process.env.XDG_CONFIG_HOME = dir;
  return dir;
}

export async function cli(args: string[], opts: { interrupt?: AbortSignal; onStderr?: (text: string) => void; onStdout?: (text: string) => void } = {}): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (t) => {
      stdout += t;
      opts.onStdout?.(t);
    },
    stderr: (t) => {
      stderr += t;
      opts.onStderr?.(t);
    },
    interrupt: opts.interrupt ?? new AbortController().signal,
  });
  return { code, stdout, stderr };
}
