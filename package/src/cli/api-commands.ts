/**
 * The API commands, built from the generated command table (generated/cli.ts): one command per
 * row, its arguments and options from the row's params, its help from the operation's summary,
 * and one action for all of them, which calls the SDK method the row names.
 *
 * @module saasignal/cli/api-commands
 */
import { Argument, type Command, Option } from 'commander';
import { type CliOperation, type CliParam } from './table.ts';
import { UsageError } from './errors.ts';
import type { Context } from './context.ts';
import { parseValue, sdkArguments } from './values.ts';

const kebab = (name: string) => name.replace(/_/g, '-');

function describeParam(p: CliParam): string {
  const parts = [p.description ?? ''];
  if (p.context === 'org') parts.push('(default: the organization of your login)');
  if (p.choices && p.choices.length <= 10) parts.push(`(${p.choices.join(', ')})`);
  if (p.type === 'list') parts.push('(comma-separated)');
  if (p.type === 'any') parts.push('(JSON, else a string)');
  return parts.filter(Boolean).join(' ');
}

function addParam(cmd: Command, p: CliParam): void {
  const parse = (raw: string) => parseValue(p, raw);
  if (p.positional) {
    const required = p.required && p.context !== 'org';
    cmd.addArgument(new Argument(required ? `<${p.name}>` : `[${p.name}]`, describeParam(p)).argParser(parse));
    return;
  }
  const hint = p.type === 'boolean' ? '' : ` <${p.type === 'list' ? 'items' : p.type === 'any' || p.type === 'json' ? 'json' : p.name === 'org_id' ? 'id' : 'value'}>`;
  const option = new Option(`--${kebab(p.name)}${hint}`, describeParam(p));
  if (p.type !== 'boolean') option.argParser(parse);
  if (p.required && p.context !== 'org') option.makeOptionMandatory();
  cmd.addOption(option);
}

/** The group command for a noun (`kv`), made once; its help lists the verbs. */
function group(program: Command, noun: string, ops: CliOperation[]): Command {
  const existing = program.commands.find((c) => c.name() === noun);
  if (existing) return existing;
  const verbs = ops.filter((o) => o.command.startsWith(`${noun} `)).map((o) => o.command.split(' ')[1]);
  return program.command(noun).description(`${verbs.join(', ')}`);
}

export function addApiCommands(program: Command, table: CliOperation[], context: (cmd: Command) => Context): void {
  for (const op of table) {
    const words = op.command.split(' ');
    const parent = words.length > 1 ? group(program, words[0], table) : program;
    const cmd = parent.command(words[words.length - 1]).description(op.summary);
    for (const p of op.params) addParam(cmd, p);
    if (op.page) cmd.option('--all', 'walk every page, not only the first');
    if (op.stream) cmd.option('--last-event-id <id>', 'resume after this event (the server replays what followed it)');
    cmd.addHelpText('after', `\n${op.route}${op.scope ? ` · scope ${op.scope}` : ''}`);
    cmd.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      const values: Record<string, unknown> = {};
      op.params.filter((p) => p.positional).forEach((p, i) => {
        values[p.name] = args[i];
      });
      const opts = self.opts();
      for (const p of op.params.filter((q) => !q.positional)) {
        const option = self.options.find((o) => o.long === `--${kebab(p.name)}`);
        if (option) values[p.name] = opts[option.attributeName()];
      }
      await context(self).callOperation(op, values, { all: Boolean(opts.all), lastEventId: opts.lastEventId as string | undefined });
    });
  }
}

/** The org a command acts on: given, or the stored login's; else a usage error naming the option. */
export function fillContext(op: CliOperation, values: Record<string, unknown>, org: string | undefined): void {
  for (const p of op.params) {
    if (p.context !== 'org' || values[p.name] !== undefined) continue;
    if (!org) throw new UsageError(`${p.positional ? `<${p.name}>` : `--${kebab(p.name)}`} is required: no stored login to take the organization from.`);
    values[p.name] = org;
  }
}
