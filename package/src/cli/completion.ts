/**
 * `saasignal completion bash|zsh`: a completion script made from the command tree itself, so
 * that it offers exactly the commands and options this version has. For each command path it
 * knows the subcommands and options; words that are not a subcommand (values, positionals)
 * do not move it.
 *
 * @module saasignal/cli/completion
 */
import type { Command } from 'commander';

interface Level {
  path: string;
  items: { name: string; description: string }[];
}

function levels(cmd: Command, path = ''): Level[] {
  const items = [
    ...cmd.commands.map((c) => ({ name: c.name(), description: c.description() })),
    ...cmd.options.filter((o) => o.long).map((o) => ({ name: o.long as string, description: o.description })),
  ];
  return [{ path, items }, ...cmd.commands.flatMap((c) => levels(c, path ? `${path} ${c.name()}` : c.name()))];
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(all: Level[]): string {
  return [
    '# saasignal completion for bash. Load it with: source <(saasignal completion bash)',
    '_saasignal() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" path="" w i',
    `  declare -A known=(${all.filter((l) => l.path).map((l) => `[${quote(l.path)}]=1`).join(' ')})`,
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w="${COMP_WORDS[i]}"',
    '    [[ -n "${known["${path:+$path }$w"]}" ]] && path="${path:+$path }$w"',
    '  done',
    '  local words=""',
    '  case "$path" in',
    ...all.map((l) => `    ${quote(l.path)}) words=${quote(l.items.map((i) => i.name).join(' '))} ;;`),
    '  esac',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
    'complete -F _saasignal saasignal',
    '',
  ].join('\n');
}

function zsh(all: Level[]): string {
  return [
    '#compdef saasignal',
    '# saasignal completion for zsh. Load it with: source <(saasignal completion zsh), or save it as _saasignal in your $fpath.',
    '_saasignal() {',
    '  local path_="" w i',
    '  typeset -A known',
    `  known=(${all.filter((l) => l.path).map((l) => `${quote(l.path)} 1`).join(' ')})`,
    '  for ((i = 2; i < CURRENT; i++)); do',
    '    w=${words[i]}',
    '    (( ${+known[${path_:+$path_ }$w]} )) && path_="${path_:+$path_ }$w"',
    '  done',
    '  local -a items',
    '  case "$path_" in',
    ...all.map((l) => `    ${quote(l.path)}) items=(${l.items.map((i) => quote(`${i.name.replace(/:/g, '\\:')}:${i.description}`)).join(' ')}) ;;`),
    '  esac',
    "  _describe 'saasignal' items",
    '}',
    'if [[ "$funcstack[1]" = "_saasignal" ]]; then _saasignal "$@"; else compdef _saasignal saasignal; fi',
    '',
  ].join('\n');
}

export function completionScript(program: Command, shell: 'bash' | 'zsh'): string {
  const all = levels(program);
  return shell === 'bash' ? bash(all) : zsh(all);
}
