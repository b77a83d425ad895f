#!/usr/bin/env node
/**
 * The `saasignal` executable (the package's `bin`): runs the command line with the process's
 * streams; Ctrl-C ends a running command (a subscription stops cleanly).
 *
 * @module saasignal/cli/bin
 */
import { run } from './main.ts';

const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());
process.once('SIGTERM', () => interrupt.abort());

const code = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interrupt: interrupt.signal,
  interactive: Boolean(process.stderr.isTTY) && !process.env.CI,
});
process.exitCode = code;
// Nothing is left to do: leave now rather than wait for idle sockets to close.
process.stdout.write('', () => process.exit(code));
