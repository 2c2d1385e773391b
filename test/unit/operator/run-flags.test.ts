// `sluice run`'s own flags (the read-only rollout page): off by default, a flag over its
// variable, refused when it is no port.
import { expect } from 'chai';
import type { Command } from 'commander';
import { buildProgram, runConfigOf } from '../../../src/cli/main.js';
import { argvWithFlaggerFlags } from '../../../src/operator/flagger-flags.js';
import type { OperatorConfig } from '../../../src/operator/config.js';

async function runWith(args: string[], env: NodeJS.ProcessEnv = {}): Promise<OperatorConfig> {
  const quiet = { writeOut: () => undefined, writeErr: () => undefined };
  const program = buildProgram('sluice').exitOverride().configureOutput(quiet);
  const run = program.commands.find((c) => c.name() === 'run') as Command;
  let opts: Record<string, unknown> = {};
  run
    .exitOverride()
    .configureOutput(quiet)
    .action((o: Record<string, unknown>) => {
      opts = o;
    });
  await program.parseAsync(argvWithFlaggerFlags(['node', 'sluice', 'run', ...args]));
  return (await runConfigOf(opts, env)).config;
}

describe("sluice run: the operator's read-only rollout page", () => {
  it('is off unless a port is given', async () => {
    expect(await runWith([])).to.not.have.property('dashboard');
    expect(await runWith([], { SLUICE_DASHBOARD_PORT: '' })).to.not.have.property('dashboard');
  });

  it('listens on 127.0.0.1 by default, on the address given otherwise; a flag wins over its variable', async () => {
    expect((await runWith([], { SLUICE_DASHBOARD_PORT: '3100' })).dashboard).to.deep.equal({ port: 3100, address: '127.0.0.1' });
    expect((await runWith(['--dashboard-port', '3200', '--dashboard-address', '::1'], { SLUICE_DASHBOARD_PORT: '3100' })).dashboard).to.deep.equal({
      port: 3200,
      address: '::1',
    });
    expect((await runWith([], { SLUICE_DASHBOARD_PORT: '3100', SLUICE_DASHBOARD_ADDRESS: '0.0.0.0' })).dashboard?.address).to.equal('0.0.0.0');
  });

  it('refuses a port that is no port, naming the flag and its variable', async () => {
    for (const bad of ['web', '70000', '-1']) {
      let error: unknown;
      await runWith([], { SLUICE_DASHBOARD_PORT: bad }).catch((e: unknown) => (error = e));
      expect(String(error), bad).to.include('SLUICE_DASHBOARD_PORT (--dashboard-port) must be a port number');
    }
  });
});
