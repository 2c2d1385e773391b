// `sluice loadtester`: the load tester service of Flagger's walkthroughs, in TypeScript. Rollout
// webhooks POST to it; `hey` commands run on the built-in generator; shell commands run only
// with --allow-shell (an open shell endpoint lets anyone who can reach it run code in the pod).
import { Command, Option } from 'commander';
import { parseDuration } from '../api/duration.js';
import { logger } from '../log.js';

const env = process.env;
/** Longest a shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;
const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes'].includes(v.toLowerCase());

export function loadtesterCommand(): Command {
  return new Command('loadtester')
    .description('serve the load tester API that rollout webhooks call (Flagger compatible); hey commands run built in')
    .addOption(new Option('--port <port>', 'listen port').default(env.SLUICE_LOADTESTER_PORT ?? '9090'))
    .addOption(new Option('--host <address>', 'listen address').default('0.0.0.0'))
    .addOption(
      new Option('--allow-shell', 'run bash tasks and non-hey commands through a shell (env SLUICE_LOADTESTER_ALLOW_SHELL=true)').default(
        truthy(env.SLUICE_LOADTESTER_ALLOW_SHELL),
      ),
    )
    .addOption(
      new Option('--namespace-regexp <regexp>', 'serve only webhooks of namespaces matching it (env SLUICE_LOADTESTER_NAMESPACE_REGEXP)').default(
        env.SLUICE_LOADTESTER_NAMESPACE_REGEXP,
      ),
    )
    .addOption(new Option('--timeout <duration>', 'longest a task may run').default(env.SLUICE_LOADTESTER_TIMEOUT ?? '1h'))
    .addOption(
      new Option('--max-tasks <n>', 'tasks running at once; past it webhooks get 503 (env SLUICE_LOADTESTER_MAX_TASKS)').default(
        env.SLUICE_LOADTESTER_MAX_TASKS ?? '32',
      ),
    )
    .action(async (opts: { port: string; host: string; allowShell: boolean; namespaceRegexp?: string; timeout: string; maxTasks: string }) => {
      const log = logger('loadtester');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${opts.port}`);
      const maxTasks = Number(opts.maxTasks);
      if (!Number.isInteger(maxTasks) || maxTasks < 1) throw new Error(`--max-tasks must be a positive integer, got ${opts.maxTasks}`);
      if (opts.namespaceRegexp) new RegExp(opts.namespaceRegexp); // a bad expression fails now, not on the first webhook
      const { startLoadTester } = await import('../loadtester/server.js');
      const tester = await startLoadTester({
        port,
        host: opts.host,
        allowShell: opts.allowShell,
        timeoutMs: parseDuration(opts.timeout),
        maxTasks,
        ...(opts.namespaceRegexp ? { namespaceRegexp: opts.namespaceRegexp } : {}),
        log,
      });
      log.info(
        { port: tester.port, allowShell: opts.allowShell, namespaceRegexp: opts.namespaceRegexp ?? null },
        `load tester listening on ${opts.host}:${tester.port}${opts.allowShell ? ' (shell commands enabled)' : ' (shell commands disabled)'}`,
      );
      // Tasks are aborted and the server closed; should that ever hang, the grace time still ends
      // the process, well inside the kubelet's 30 s before its SIGKILL.
      const stop = (signal: string) => {
        log.info({ signal, running: tester.runner.size }, `${signal}: stopping`);
        setTimeout(() => {
          log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'tasks did not stop within the grace time; exiting');
          process.exit(1);
        }, SHUTDOWN_GRACE_MS).unref();
        tester.close().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'stopping failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
