// The `sluice` command line. Each verb lives in its own module; this file only wires them.
import { Command } from 'commander';
import { validateFiles } from './validate.js';
import { writeCrds } from './crds.js';

export function buildProgram(): Command {
  const program = new Command('sluice')
    .description('Progressive delivery for Kubernetes, compatible with flagger.app/v1beta1 Canaries')
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

  return program;
}

const isEntryPoint = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntryPoint || process.env.SLUICE_CLI_ENTRY === '1') {
  buildProgram().parseAsync(process.argv).catch((err: unknown) => {
    console.error(`sluice: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
