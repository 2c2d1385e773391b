// What a webhook's metadata asks the load tester to do, decided without running anything:
// the built-in load generator for a plain `hey` command, a shell command only when the tester
// allows them, otherwise a refusal that says why. `cmd` tasks run in the background (the webhook
// gets 202 at once); `bash`, `helm`, `helmv3` and `kubectl` tasks answer when done.
import { splitWords } from './command-words.js';
import { isHey, parseHeyArgs, type HeyOptions } from './hey-options.js';

export type TaskPlan =
  | { readonly kind: 'load'; readonly command: string; readonly options: HeyOptions; readonly synchronous: boolean }
  | { readonly kind: 'shell'; readonly command: string; readonly shell: 'bash' | 'sh'; readonly synchronous: boolean }
  | { readonly kind: 'refused'; readonly status: 400 | 403; readonly message: string };

export interface TaskPolicy {
  /** Run commands other than the built-in hey through a shell (off by default: remote code execution). */
  readonly allowShell: boolean;
}

export const SHELL_DISABLED_HINT = 'start the load tester with --allow-shell (or SLUICE_LOADTESTER_ALLOW_SHELL=true) to run shell commands';

const SHELL_TYPES: Record<string, { shell: 'bash' | 'sh'; prefix: string }> = {
  bash: { shell: 'bash', prefix: '' },
  helm: { shell: 'sh', prefix: 'helm ' },
  helmv3: { shell: 'sh', prefix: 'helmv3 ' },
  kubectl: { shell: 'sh', prefix: 'kubectl ' },
};

/** The built-in generator's options when `command` is a plain hey invocation; an error string when hey is misused. */
function heyOf(command: string): HeyOptions | string | undefined {
  const words = splitWords(command);
  if (!words.ok || !isHey(words.words)) return undefined;
  const parsed = parseHeyArgs(words.words.slice(1));
  return parsed.ok ? parsed.options : parsed.error;
}

export function planTask(metadata: Readonly<Record<string, unknown>>, policy: TaskPolicy): TaskPlan {
  const type = typeof metadata.type === 'string' && metadata.type ? metadata.type : 'cmd';
  const command = typeof metadata.cmd === 'string' ? metadata.cmd.trim() : '';
  if (type === 'ngrinder' || type === 'concord')
    return { kind: 'refused', status: 400, message: `task type ${type} is not supported by the Sluice load tester` };
  if (type !== 'cmd' && !Object.hasOwn(SHELL_TYPES, type)) return { kind: 'refused', status: 400, message: `unknown task type ${type}` };
  if (!command) return { kind: 'refused', status: 400, message: 'cmd not found in metadata' };

  const synchronous = type !== 'cmd';
  if (type === 'cmd' || type === 'bash') {
    const hey = heyOf(command);
    if (typeof hey === 'string') return { kind: 'refused', status: 400, message: hey };
    if (hey) return { kind: 'load', command, options: hey, synchronous };
  }
  if (!policy.allowShell) {
    const what = type === 'cmd' || type === 'bash' ? 'is not a built-in hey command' : `needs ${type} through a shell`;
    return { kind: 'refused', status: 403, message: `shell commands are disabled: ${JSON.stringify(command)} ${what}; ${SHELL_DISABLED_HINT}` };
  }
  const shellType = SHELL_TYPES[type] ?? { shell: 'sh' as const, prefix: '' };
  return { kind: 'shell', command: `${shellType.prefix}${command}`, shell: shellType.shell, synchronous };
}
