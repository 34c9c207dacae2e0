// `tend completion bash|zsh|fish`: shell completion scripts made from the commander program itself, and
// `tend __complete tasks`, which they call for live task ids and names.
import type { Command, Option } from 'commander';
import { CliError } from './errors.js';
import { writeOut } from './output.js';
import { LIVE_STATES, type TaskState } from '@tend/protocol/wire';

/** Shells `tend completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** How long `tend __complete tasks` waits for the daemon, in ms: a completion must not hang the shell. */
export const COMPLETE_TIMEOUT_MS = 1000;

/** What a script needs to know of one command. */
interface CommandSpec {
  /** `ps`, `daemon start`. */
  path: string[];
  description: string;
  options: { long?: string; short?: string; takesValue: boolean; description: string }[];
  /** True when its arguments are task ids or names. */
  takesTasks: boolean;
}

function optionSpec(option: Option) {
  return {
    ...(option.long ? { long: option.long } : {}),
    ...(option.short ? { short: option.short } : {}),
    takesValue: option.required || option.optional,
    description: option.description,
  };
}

/** Every visible command of `program` with its options (its own and --help). */
function commandsOf(program: Command): CommandSpec[] {
  const specs: CommandSpec[] = [];
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      const hidden = (sub as unknown as { _hidden?: boolean })._hidden;
      if (hidden || sub.name() === 'help') continue;
      const subPath = [...path, sub.name()];
      specs.push({
        path: subPath,
        description:
          sub
            .description()
            .split(/[.;:(]/)[0]
            ?.trim() ?? '',
        options: [
          ...sub.options.map(optionSpec),
          { long: '--help', takesValue: false, description: 'show help' },
        ],
        takesTasks: sub.registeredArguments.some((a) => a.name() === 'id'),
      });
      walk(sub, subPath);
    }
  };
  walk(program, []);
  return specs;
}

const quoteSingle = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The bash script: `source <(tend completion bash)`. */
export function bashScript(program: Command): string {
  const specs = commandsOf(program);
  const top = specs.filter((s) => s.path.length === 1).map((s) => s.path[0]);
  const globals = program.options.flatMap((o) => [o.long, o.short].filter(Boolean)).join(' ');
  const cases = specs
    .map((s) => {
      const opts = s.options.flatMap((o) => [o.long, o.short].filter(Boolean)).join(' ');
      const subs = specs.filter((c) => c.path.length === s.path.length + 1 && c.path[0] === s.path[0]);
      const words = subs.length > 0 ? subs.map((c) => c.path.at(-1)).join(' ') : '';
      const valued = s.options
        .filter((o) => o.takesValue)
        .flatMap((o) => [o.long, o.short].filter(Boolean))
        .join('|');
      return `    ${quoteSingle(s.path.join(' '))})
      opts=${quoteSingle(opts)}; subs=${quoteSingle(words)}; tasks=${s.takesTasks ? 1 : 0}; valued=${quoteSingle(valued)} ;;`;
    })
    .join('\n');
  return `# tend completion for bash: source <(tend completion bash), or save it as
# ~/.local/share/bash-completion/completions/tend
_tend() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local path="" i word opts="" subs=${quoteSingle(top.join(' '))} tasks=0 valued=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    case "$word" in
      --session) ((i++)) ;;
      -*) ;;
      *) if [[ " $subs " == *" $word "* ]]; then
           path="\${path:+$path }$word"
           case "$path" in
${cases}
           esac
         fi ;;
    esac
  done
  if [[ -n "$valued" && "|$valued|" == *"|$prev|"* ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  if [[ -z "$path" ]]; then
    COMPREPLY=($(compgen -W "$subs ${globals}" -- "$cur"))
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$subs" ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  elif [[ $tasks == 1 ]]; then
    COMPREPLY=($(compgen -W "$(command tend __complete tasks 2>/dev/null)" -- "$cur"))
  fi
}
complete -F _tend tend
`;
}

/** The zsh script: `source <(tend completion zsh)` (after compinit), or saved as _tend in $fpath. */
export function zshScript(program: Command): string {
  const specs = commandsOf(program);
  const describe = (list: CommandSpec[]) =>
    list.map((s) => quoteSingle(`${s.path.at(-1)}:${s.description.replace(/:/g, '\\:')}`)).join(' ');
  const optionLines = (s: CommandSpec) =>
    s.options
      .flatMap((o) =>
        [o.long, o.short]
          .filter(Boolean)
          .map((flag) => quoteSingle(`${flag}:${o.description.replace(/:/g, '\\:').slice(0, 80)}`)),
      )
      .join(' ');
  const cases = specs
    .map((s) => {
      const subs = specs.filter((c) => c.path.length === s.path.length + 1 && c.path[0] === s.path[0]);
      return `    ${quoteSingle(s.path.join(' '))})
      opts=(${optionLines(s)}); subs=(${describe(subs)}); tasks=${s.takesTasks ? 1 : 0} ;;`;
    })
    .join('\n');
  return `#compdef tend
# tend completion for zsh: source <(tend completion zsh) after compinit, or save it as _tend in your $fpath
_tend() {
  local -a opts subs top
  local tasks=0 path_="" word i
  top=(${describe(specs.filter((s) => s.path.length === 1))})
  subs=("\${top[@]}")
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    [[ $word == -* ]] && continue
    [[ \${words[i-1]} == --session ]] && continue
    if (( \${subs[(I)$word:*]} )); then
      path_="\${path_:+$path_ }$word"
      case $path_ in
${cases}
      esac
    fi
  done
  if [[ -z $path_ ]]; then
    _describe -t commands 'tend command' top
  elif [[ $PREFIX == -* ]]; then
    _describe -t options 'option' opts
  elif (( \${#subs} )); then
    _describe -t commands 'tend daemon command' subs
  elif (( tasks )); then
    local -a ids
    ids=(\${(f)"$(command tend __complete tasks 2>/dev/null)"})
    compadd -a ids
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _tend "$@"; else compdef _tend tend; fi
`;
}

/** The fish script: `tend completion fish | source`, or saved in ~/.config/fish/completions/tend.fish. */
export function fishScript(program: Command): string {
  const specs = commandsOf(program);
  const lines = [
    '# tend completion for fish: tend completion fish | source, or save it as ~/.config/fish/completions/tend.fish',
    'complete -c tend -f',
  ];
  for (const s of specs) {
    const condition =
      s.path.length === 1
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${s.path[0]}; and not __fish_seen_subcommand_from ${specs
            .filter((c) => c.path[0] === s.path[0] && c.path.length === 2)
            .map((c) => c.path[1])
            .join(' ')}`;
    lines.push(
      `complete -c tend -n ${quoteSingle(condition)} -a ${s.path.at(-1)} -d ${quoteSingle(s.description)}`,
    );
    const seen =
      s.path.length === 1
        ? `__fish_seen_subcommand_from ${s.path[0]}`
        : `__fish_seen_subcommand_from ${s.path[0]}; and __fish_seen_subcommand_from ${s.path[1]}`;
    for (const o of s.options) {
      const flags = [
        o.long ? `-l ${o.long.replace(/^--/, '')}` : '',
        o.short ? `-s ${o.short.replace(/^-/, '')}` : '',
        o.takesValue ? '-r' : '',
      ]
        .filter(Boolean)
        .join(' ');
      lines.push(
        `complete -c tend -n ${quoteSingle(seen)} ${flags} -d ${quoteSingle(o.description.slice(0, 80))}`,
      );
    }
    if (s.takesTasks)
      lines.push(`complete -c tend -n ${quoteSingle(seen)} -a '(command tend __complete tasks 2>/dev/null)'`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `tend completion SHELL`: prints the completion script for bash, zsh or fish.
 * @throws CliError naming a shell tend has no script for.
 */
export async function printCompletion(shell: string, program: Command): Promise<number> {
  const root = program.parent ?? program;
  let script: string;
  if (shell === 'bash') script = bashScript(root);
  else if (shell === 'zsh') script = zshScript(root);
  else if (shell === 'fish') script = fishScript(root);
  else throw new CliError(`no completion for shell ${shell}; tend has bash, zsh and fish`);
  await writeOut(script);
  return 0;
}

/**
 * `tend __complete tasks` (for the scripts): the names and ids of the daemon's tasks, names first, one
 * per line, live tasks before ended ones. Asks a running daemon only (never starts one), giving up after
 * {@link COMPLETE_TIMEOUT_MS}; prints nothing when none answers.
 * @returns 0, always: a failing completion must not print errors into the shell's line.
 */
export async function completeTasks(): Promise<number> {
  const { TendClient } = await import('@tend/client');
  try {
    const client = await TendClient.connect({
      autoStart: false,
      reconnect: false,
      timeoutMs: COMPLETE_TIMEOUT_MS,
      clientName: 'tend-completion',
    });
    try {
      const timer = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('timeout')), COMPLETE_TIMEOUT_MS).unref(),
      );
      const tasks = await Promise.race([client.list({ limit: 200 }), timer]);
      const live = (t: { state: TaskState }) => LIVE_STATES.includes(t.state);
      const ordered = [...tasks.filter(live), ...tasks.filter((t) => !live(t))];
      const names = ordered.flatMap((t) => (t.name ? [t.name] : []));
      await writeOut([...new Set([...names, ...ordered.map((t) => t.id)])].map((w) => `${w}\n`).join(''));
    } finally {
      await client.close().catch(() => undefined);
    }
  } catch {
    // No daemon, or too slow: no task words.
  }
  return 0;
}
