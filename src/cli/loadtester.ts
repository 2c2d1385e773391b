// `sluice loadtester`: the load tester service of Flagger's walkthroughs, in TypeScript. Rollout
// webhooks POST to it; `hey` commands run on the built-in generator; shell commands run only
// with --allow-shell (an open shell endpoint lets anyone who can reach it run code in the pod).
import { Command, Option } from 'commander';
import { parseDuration } from '../api/duration.js';
import { logger } from '../log.js';

const env = process.env;
const truthy = (v: string | undefined) => v !== undefined && ['1', 'true', 'yes'].includes(v.toLowerCase());

export function loadtesterCommand(): Command {
  return new Command('loadtester')
    .description('serve the load tester API that rollout webhooks call (Flagger compatible); hey commands run built in')
    .addOption(new Option('--port <port>', 'listen port').default(env.SLUICE_LOADTESTER_PORT ?? '9090'))
    .addOption(new Option('--host <address>', 'listen address').default('0.0.0.0'))
    .addOption(new Option('--allow-shell', 'run bash tasks and non-hey commands through a shell (env SLUICE_LOADTESTER_ALLOW_SHELL=true)').default(truthy(env.SLUICE_LOADTESTER_ALLOW_SHELL)))
    .addOption(new Option('--namespace-regexp <regexp>', 'serve only webhooks of namespaces matching it (env SLUICE_LOADTESTER_NAMESPACE_REGEXP)').default(env.SLUICE_LOADTESTER_NAMESPACE_REGEXP))
    .addOption(new Option('--timeout <duration>', 'longest a task may run').default(env.SLUICE_LOADTESTER_TIMEOUT ?? '1h'))
    .action(async (opts: { port: string; host: string; allowShell: boolean; namespaceRegexp?: string; timeout: string }) => {
      const log = logger('loadtester');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got ${opts.port}`);
      if (opts.namespaceRegexp) new RegExp(opts.namespaceRegexp); // a bad expression fails now, not on the first webhook
      const { startLoadTester } = await import('../loadtester/server.js');
      const tester = await startLoadTester({
        port,
        host: opts.host,
        allowShell: opts.allowShell,
        timeoutMs: parseDuration(opts.timeout),
        ...(opts.namespaceRegexp ? { namespaceRegexp: opts.namespaceRegexp } : {}),
        log,
      });
      log.info({ port: tester.port, allowShell: opts.allowShell, namespaceRegexp: opts.namespaceRegexp ?? null },
        `load tester listening on ${opts.host}:${tester.port}${opts.allowShell ? ' (shell commands enabled)' : ' (shell commands disabled)'}`);
      const stop = () => void tester.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
