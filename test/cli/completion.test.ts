/**
 * `saasignal completion bash|zsh`: the scripts are run by the shells themselves, asked to
 * complete partial command lines, and must offer this version's commands and options.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cli, isolate } from './harness.ts';

const has = (shell: string) => {
  try {
    execFileSync(shell, ['-c', 'true']);
    return true;
  } catch {
    return false;
  }
};

/** What bash offers for `words` (the last one being completed). */
function bashComplete(script: string, words: string[]): string[] {
  const line = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _saasignal; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', line], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('completion', () => {
  it('bash: commands, verbs and options, after values that are not commands', async () => {
    await isolate();
    const { code, stdout } = await cli(['completion', 'bash']);
    expect(code).toBe(0);
    expect(bashComplete(stdout, ['saasignal', ''])).toEqual(expect.arrayContaining(['auth', 'kv', 'channels', 'orgs', 'projects', 'tokens', 'members', 'balance', 'usage', 'completion', '--json', '--api-key']));
    expect(bashComplete(stdout, ['saasignal', 'kv', 's'])).toEqual(['set', 'scan']);
    expect(bashComplete(stdout, ['saasignal', '--json', 'kv', 'set', 'my-key', '--'])).toEqual(['--ttl', '--if-not-exists']);
    expect(bashComplete(stdout, ['saasignal', 'auth', 'login', '--d'])).toEqual(['--device']);
    expect(bashComplete(stdout, ['saasignal', 'channels', ''])).toEqual(['publish', 'subscribe']);
  });

  // Skipped without zsh on a developer's machine; CI installs it (.ci/run), so there it must run.
  it.skipIf(!has('zsh') && !process.env.CI)('zsh: the script parses and defines the completion function', async () => {
    const { stdout } = await cli(['completion', 'zsh']);
    expect(stdout.startsWith('#compdef saasignal\n')).toBe(true);
    execFileSync('zsh', ['-n', '-c', stdout]);
    const out = execFileSync('zsh', ['-c', `compdef() { :; }\n${stdout}\nwhence -w _saasignal`], { encoding: 'utf8' });
    expect(out.trim()).toBe('_saasignal: function');
  });
});
