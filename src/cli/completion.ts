// `sluice completion bash|zsh`: a shell completion script derived from the command tree itself,
// so a new verb or flag completes without anyone editing a script. Pure: program in, text out.
import type { Command } from 'commander';

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** Verb -> its long flags (plus --help); '' holds the top-level flags. */
export function completionWords(program: Command): Map<string, string[]> {
  const flagsOf = (cmd: Command) => [...cmd.options.map((o) => o.long).filter((l): l is string => Boolean(l)), '--help'];
  const words = new Map<string, string[]>([['', flagsOf(program)]]);
  for (const cmd of program.commands) words.set(cmd.name(), flagsOf(cmd));
  return words;
}

export function completionScript(program: Command, shell: CompletionShell, name = program.name()): string {
  const words = completionWords(program);
  const verbs = [...words.keys()].filter(Boolean).join(' ');
  const fn = `_${name.replace(/[^A-Za-z0-9]/g, '_')}_complete`;
  const cases = [...words]
    .filter(([verb]) => verb)
    .map(([verb, flags]) => `    ${verb}) opts="${flags.join(' ')}" ;;`)
    .join('\n');
  const bashBody = `${fn}() {
  local cur verb opts
  cur="\${COMP_WORDS[COMP_CWORD]}"
  verb="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${verbs} ${words.get('')!.join(' ')}" -- "$cur") )
    return
  fi
  case "$verb" in
${cases}
    *) opts="" ;;
  esac
  if [[ "$cur" == -* ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); else COMPREPLY=( $(compgen -f -- "$cur") ); fi
}
complete -F ${fn} ${name}
`;
  if (shell === 'bash') return `# ${name} completion for bash: source <(${name} completion bash)\n${bashBody}`;
  // zsh runs the same function through its bash compatibility layer.
  return `#compdef ${name}\n# ${name} completion for zsh: source <(${name} completion zsh)\nautoload -U +X bashcompinit && bashcompinit\n${bashBody}`;
}
