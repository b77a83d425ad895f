/**
 * The `saasignal` command: `run(argv, io)` builds the command tree (auth, the API commands from
 * the generated table, completion), runs one command and resolves to its exit code — 0 success,
 * 1 an API or login error, 2 a usage error. bin.ts calls it with the process's streams.
 *
 * @module saasignal/cli/main
 */
import { Argument, Command, CommanderError } from 'commander';
import { COMMANDS, DEFAULT_BASE_URL, VERSION } from '../../../generated/cli.ts';
import { addApiCommands } from './api-commands.ts';
import { addAuthCommands } from './auth-commands.ts';
import { completionScript } from './completion.ts';
import { Context, type Io } from './context.ts';
import { baseUrlOf } from './credentials.ts';
import { CliError, EXIT_API, EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';

export function buildProgram(io: Io): Command {
  const program = new Command('saasignal')
    .description('The SaaSignal CLI: KV, channels, organizations, projects, tokens and members from the terminal.')
    .version(VERSION, '-v, --version')
    .option('--json', 'print JSON (for scripts) instead of tables')
    .option('--api-key <key>', 'use this API key (over SAASIGNAL_API_KEY, SAASIGNAL_KEY, SAASIGNAL_TOKEN and the stored login)')
    .option('--base-url <url>', `the API (default SAASIGNAL_BASE_URL, else ${DEFAULT_BASE_URL})`)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(add --help for usage)');
  program.addHelpText('after', '\nExit codes: 0 success, 1 API or login error, 2 usage error.');
  const context = (cmd: Command) => {
    const opts = cmd.optsWithGlobals() as { json?: boolean; apiKey?: string; baseUrl?: string };
    return new Context({ json: opts.json, apiKey: opts.apiKey, baseUrl: baseUrlOf(opts.baseUrl, DEFAULT_BASE_URL) }, io);
  };
  addAuthCommands(program, context);
  addApiCommands(program, COMMANDS, context);
  program
    .command('completion')
    .description('Print the shell completion script (bash or zsh)')
    .addArgument(new Argument('<shell>').choices(['bash', 'zsh']))
    .addHelpText('after', '\nbash: source <(saasignal completion bash)    zsh: source <(saasignal completion zsh)')
    .action((shell: 'bash' | 'zsh') => io.stdout(completionScript(program, shell)));
  return program;
}

/** Runs one command line (without `node` and the script) and resolves to the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n`);
      return EXIT_USAGE;
    }
    io.stderr(`Error: ${err instanceof CliError ? err.message : ((err as Error)?.message ?? String(err))}\n`);
    return EXIT_API;
  }
}
