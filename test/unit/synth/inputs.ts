// Test inputs: the examples/ folders read as `cdk8s synth` reads them, and small builders for
// Canaries and Deployments written inline.
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary } from '../../../src/api/types.js';
import { readManifests } from '../../../src/io/manifests.js';
import { synthesizeCanary, type SynthInput, type SynthWeights } from '../../../src/synth/canary-chart.js';
import { SynthError } from '../../../src/synth/errors.js';
import type { DeploymentJson } from '../../../src/synth/kube-json.js';
import { canaryInputsOf } from '../../../src/synth/manifest-inputs.js';

export const EXAMPLES = [
  'contour',
  'daemonset',
  'gatewayapi',
  'gloo',
  'istio',
  'keda',
  'kubernetes',
  'kuma',
  'linkerd',
  'nginx',
  'osm',
  'traefik',
  'apisix',
  'gloo-mesh',
  'skipper',
  'service',
  'knative',
];

export const AT_ZERO: SynthWeights = { primary: 100, canary: 0 };

/** The SynthInput of the one Canary in examples/<name>. */
export function exampleInput(name: string, weights: SynthWeights = AT_ZERO): SynthInput {
  const inputs = canaryInputsOf(readManifests([`examples/${name}`]), { weights });
  if (inputs.length !== 1) throw new Error(`examples/${name} has ${inputs.length} Canaries`);
  return inputs[0].input;
}

/** `input` with its Canary edited by `edit` and resolved again. */
export function withCanary(input: SynthInput, edit: (c: Canary) => void, weights: SynthWeights = input.weights): SynthInput {
  const canary = structuredClone(input.canary);
  edit(canary);
  return { ...input, canary, resolved: resolveCanary(canary), weights };
}

export function podinfoDeployment(extra: Partial<DeploymentJson['spec']> = {}): DeploymentJson {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'podinfo', namespace: 'test', labels: { app: 'podinfo' } },
    spec: {
      selector: { matchLabels: { app: 'podinfo' } },
      template: {
        metadata: { labels: { app: 'podinfo' } },
        spec: { containers: [{ name: 'podinfod', image: 'ghcr.io/stefanprodan/podinfo:6.0.0', ports: [{ name: 'http', containerPort: 9898 }] }] },
      },
      ...extra,
    },
  };
}

export function podinfoCanary(spec: Partial<Canary['spec']> = {}, metadata: Partial<Canary['metadata']> = {}): Canary {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', ...metadata },
    spec: {
      provider: 'istio',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
      ...spec,
    },
  };
}

/** A SynthInput for an inline Canary and Deployment. */
export function inputOf(canary: Canary, target: DeploymentJson = podinfoDeployment(), rest: Partial<SynthInput> = {}): SynthInput {
  return { canary, resolved: resolveCanary(canary), target, weights: AT_ZERO, ...rest };
}

/** Objects of `kind` in `objects`. */
export function ofKind<T extends Record<string, any>>(objects: T[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind);
}

/** The annotations that keep Flux off every routing object Sluice owns, as Flagger writes them. */
export const FLUX = { 'helm.toolkit.fluxcd.io/driftDetection': 'disabled', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' };

/** The SynthError synthesis throws for `input`; fails the test when it throws nothing or another error. */
export function synthErrorOf(input: SynthInput): SynthError {
  try {
    synthesizeCanary(input);
  } catch (err) {
    if (err instanceof SynthError) return err;
    throw err;
  }
  throw new Error('synthesis did not fail');
}
