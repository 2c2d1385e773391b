// `sluice synth <folder> [--weight N] [--phase P] [--provider P] [--mirror]`: what Sluice would apply
// for every Canary in the folder at that step of a rollout, as YAML on stdout.
import { Command } from 'commander';
import { readManifests, toYamlStream } from '../io/manifests.js';
import { synthesizeCanary } from '../synth/canary-chart.js';
import { canaryInputsOf } from '../synth/manifest-inputs.js';

export interface SynthOptions {
  /** Percent of traffic on the canary. @default 0 */
  readonly weight?: number;
  readonly phase?: string;
  /** The operator's default provider, for Canaries that set none. @default istio */
  readonly provider?: string;
  readonly mirror?: boolean;
}

/** The YAML stream of every object of every Canary under `paths`. Throws on bad input. */
export function synthYaml(paths: string[], options: SynthOptions = {}): string {
  const weight = options.weight ?? 0;
  const inputs = canaryInputsOf(readManifests(paths), {
    provider: options.provider,
    weights: { primary: 100 - weight, canary: weight, mirror: options.mirror === true },
    phase: options.phase,
  });
  if (inputs.length === 0) throw new Error(`no Canary found in ${paths.join(', ')}`);
  return toYamlStream(inputs.flatMap(({ input }) => synthesizeCanary(input).objects));
}

/** `--weight` as an integer percentage. */
export function parseWeight(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new Error(`--weight must be an integer from 0 to 100, got ${JSON.stringify(text)}`);
  return n;
}

export function synthCommand(): Command {
  return new Command('synth')
    .description('print, as YAML, every object Sluice would apply for the Canaries in the given files or folders')
    .argument('<paths...>', 'YAML files or folders holding Canaries and the objects they name')
    .option('--weight <percent>', 'canary traffic weight of the step to show', parseWeight, 0)
    .option('--phase <phase>', 'Canary phase of the step to show')
    .option('--provider <name>', 'the operator default provider, for Canaries that set none', 'istio')
    .option('--mirror', 'show the step that mirrors traffic to the canary')
    .action((paths: string[], opts: { weight: number; phase?: string; provider: string; mirror?: boolean }) => {
      process.stdout.write(synthYaml(paths, opts));
    });
}
