// `sluice synth <folder> [--weight N] [--phase P] [--provider P] [--mirror] [operator settings]`: what
// Sluice would apply for every Canary in the folder at that step of a rollout, as YAML on stdout.
import { Command } from 'commander';
import { readManifests, toYamlStream } from '../io/manifests.js';
import { synthesizeCanary } from '../synth/canary-chart.js';
import { canaryInputsOf } from '../synth/manifest-inputs.js';
import { commaList, type SynthSettings } from '../synth/operator-settings.js';

export interface SynthOptions {
  /** Percent of traffic on the canary. @default 0 */
  readonly weight?: number;
  readonly phase?: string;
  /** The operator's default provider, for Canaries that set none. @default istio */
  readonly provider?: string;
  readonly mirror?: boolean;
  /** Flagger's -selector-labels, comma-separated. */
  readonly selectorLabels?: string;
  /** Flagger's -include-label-prefix, comma-separated. */
  readonly includeLabelPrefix?: string;
  /** Flagger's -ingress-annotations-prefix. */
  readonly ingressAnnotationsPrefix?: string;
  /** Flagger's -ingress-class. */
  readonly ingressClass?: string;
}

/** The YAML stream of every object of every Canary under `paths`. Throws on bad input. */
export function synthYaml(paths: string[], options: SynthOptions = {}): string {
  const weight = options.weight ?? 0;
  const inputs = canaryInputsOf(readManifests(paths), {
    provider: options.provider,
    weights: { primary: 100 - weight, canary: weight, mirror: options.mirror === true },
    phase: options.phase,
    settings: settingsOf(options),
  });
  if (inputs.length === 0) throw new Error(`no Canary found in ${paths.join(', ')}`);
  return toYamlStream(inputs.flatMap(({ input }) => synthesizeCanary(input).objects));
}

/** The operator settings the options name; the others keep their defaults, as in `sluice run`. */
function settingsOf(options: SynthOptions): SynthSettings {
  return {
    ...(options.selectorLabels !== undefined ? { selectorLabels: commaList(options.selectorLabels) } : {}),
    ...(options.includeLabelPrefix !== undefined ? { includeLabelPrefixes: commaList(options.includeLabelPrefix) } : {}),
    ...(options.ingressAnnotationsPrefix ? { ingressAnnotationsPrefix: options.ingressAnnotationsPrefix } : {}),
    ...(options.ingressClass ? { ingressClass: options.ingressClass } : {}),
  };
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
    .option('--selector-labels <labels>', "as `sluice run --selector-labels` (Flagger's -selector-labels)")
    .option('--include-label-prefix <prefixes>', "as `sluice run --include-label-prefix` (Flagger's -include-label-prefix)")
    .option('--ingress-annotations-prefix <prefix>', 'as `sluice run --ingress-annotations-prefix`')
    .option('--ingress-class <class>', "as `sluice run --ingress-class` (Contour's HTTPProxy ingressClassName)")
    .action((paths: string[], opts: SynthOptions & { weight: number; provider: string }) => {
      process.stdout.write(synthYaml(paths, opts));
    });
}
