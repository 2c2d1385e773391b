// The `sluice` command line. Each verb lives in its own module; this file only wires them.
import { Command } from 'commander';
import { validateFiles } from './validate.js';
import { controlCommands } from './control.js';
import { writeCrds } from './crds.js';
import { checkCommand } from './check.js';
import { synthCommand } from './synth.js';
import { loadtesterCommand } from './loadtester.js';
import { statusCommand } from './status.js';
import { dashboardCommand } from './dashboard.js';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from './completion.js';
import { VERSION } from '../version.js';
import { SLUICE_RUN_FLAGS, envWithRunFlags } from '../operator/run-flags.js';
import { addFlaggerFlags, argvWithFlaggerFlags, envWithFlags, flagNotes, givenFlaggerFlags } from '../operator/flagger-flags.js';

/** `sluice`, or `kubectl sluice` when run as the kubectl plugin (krew naming: kubectl-sluice). */
export function programName(argv1 = process.argv[1] ?? ''): string {
  return /kubectl-sluice(\.js)?$/.test(argv1) ? 'kubectl sluice' : 'sluice';
}

export function buildProgram(name = programName()): Command {
  const program = new Command(name)
    .description('Progressive delivery for Kubernetes, compatible with flagger.app/v1beta1 Canaries')
    .version(VERSION, '-v, --version', 'print the version')
    .showHelpAfterError();

  program
    .command('validate')
    .description('check Canary, MetricTemplate and AlertProvider manifests; exits 1 on any problem')
    .argument('<paths...>', 'YAML files or folders')
    .option('--provider <name>', 'the operator default provider, for Canaries that set none', 'istio')
    .action((paths: string[], opts: { provider: string }) => {
      const report = validateFiles(paths, opts.provider);
      for (const line of report.lines) console.log(line);
      if (report.checked === 0) {
        console.error('no Canary, MetricTemplate or AlertProvider found');
        process.exitCode = 1;
      } else if (report.invalid > 0) {
        process.exitCode = 1;
      }
    });

  program
    .command('crds')
    .description('write the flagger.app CRDs generated from the API schemas')
    .argument('[folder]', 'output folder', 'crds')
    .action((folder: string) => {
      for (const path of writeCrds(folder)) console.log(`wrote ${path}`);
    });

  program.addCommand(checkCommand());
  program.addCommand(synthCommand());
  program.addCommand(loadtesterCommand());
  program.addCommand(statusCommand());
  program.addCommand(dashboardCommand());
  for (const verb of controlCommands()) program.addCommand(verb);
  program
    .command('webhook')
    .description('serve the admission webhooks over HTTPS and register them until interrupted (sluice webhook --help)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_opts: unknown, cmd: Command) => (await import('../admission/cli.js')).runWebhookVerb(cmd.args));
  const run = program
    .command('run')
    .description(
      "run the operator against $KUBECONFIG; without one, start a local control plane and show a podinfo rollout. Takes Flagger's flags, with one dash or two (docs/flagger-flags.md)",
    )
    .option('--demo', 'run the local demo even when KUBECONFIG is set')
    .option('--exit', 'with the demo: exit once the rollout has finished');
  for (const f of SLUICE_RUN_FLAGS) run.option(`--${f.name} ${f.arg}`, `${f.meaning} (${f.env})`);
  addFlaggerFlags(run).action(async (opts: { demo?: boolean; exit?: boolean } & Record<string, unknown>) => {
    const { config, notes } = await runConfigOf(opts);
    if (opts.demo || (!config.kubeconfig && !process.env.KUBERNETES_SERVICE_HOST)) {
      const { runDemo } = await import('../operator/demo.js');
      process.exitCode = await runDemo({ exitWhenDone: opts.exit === true || process.env.CI === 'true' });
      if (opts.exit || process.env.CI === 'true') process.exit(process.exitCode);
      return;
    }
    await runOperatorUntilSignalled(config, notes);
  });

  program
    .command('completion')
    .description('print a shell completion script: source <(sluice completion bash)')
    .argument('<shell>', COMPLETION_SHELLS.join(' | '))
    .action((shell: string) => {
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell))
        throw new Error(`completion: shell must be one of ${COMPLETION_SHELLS.join(', ')}, got ${shell}`);
      process.stdout.write(completionScript(program, shell as CompletionShell, name.replace(' ', '-')));
    });

  return program;
}

/**
 * The operator's settings: `sluice run`'s flags over the environment. Throws, naming it, for a
 * value it cannot take or a flag Sluice refuses; `notes` name the flags accepted without effect.
 */
export async function runConfigOf(opts: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const { defaultConfig } = await import('../operator/config.js');
  const given = givenFlaggerFlags(opts);
  const notes = flagNotes(given);
  return { config: defaultConfig(envWithFlags(given, envWithRunFlags(opts, env))), notes };
}

/**
 * The operator until SIGTERM or SIGINT. Signals are handled from the first moment, start-up
 * included; a start that fails logs why and exits 1, so a kubelet restarts the pod.
 */
async function runOperatorUntilSignalled(config: import('../operator/config.js').OperatorConfig, notes: readonly string[] = []): Promise<void> {
  const { log } = await import('../log.js');
  for (const note of notes) log.info(note);
  const { startOperator } = await import('../operator/run.js');
  let operator: Awaited<ReturnType<typeof startOperator>> | undefined;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, `${signal}: stopping`);
    void (operator?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    operator = await startOperator(config);
  } catch (err) {
    log.error({ err }, `start-up failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  // A signal that came during start-up stopped nothing yet: stop what has started now.
  if (signalled) await operator.stop().finally(() => process.exit(0));
}

const isEntryPoint = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntryPoint || process.env.SLUICE_CLI_ENTRY === '1') {
  buildProgram()
    .parseAsync(argvWithFlaggerFlags(process.argv))
    .catch((err: unknown) => {
      console.error(`sluice: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    });
}
