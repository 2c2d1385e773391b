// Values Flagger accepts that are probably not what the author meant. Sluice accepts them too, so
// a manifest that applies with Flagger applies with Sluice, and says so out loud instead: as
// AdmissionReview warnings (kubectl prints "Warning: ...") and in `sluice validate`. A warning
// never makes a document invalid. Fields accepted but not acted on are canaryWarnings()'s.
import { type Problem, problem, quote } from './problem.js';
import { canaryWarnings } from './validate.js';
import { GROUP_VERSION, type Canary } from './types.js';

type Warn = (canary: Canary, analysisPath: string) => Problem[];

/** The versions a HorizontalPodAutoscaler is served as; Sluice reads every one as autoscaling/v2. */
const HPA_VERSIONS = ['autoscaling/v2', 'autoscaling/v2beta2', 'autoscaling/v2beta1', 'autoscaling/v1'];

/** `kind: Deployment` with another apiVersion (Flagger's own FAQ has `v1`): the kind decides, as in Flagger. */
const targetApiVersion: Warn = (canary) => {
  const ref = canary.spec.targetRef;
  if (!ref || ref.kind !== 'Deployment' || ref.apiVersion === undefined || ref.apiVersion === 'apps/v1') return [];
  return [
    problem(
      'spec.targetRef.apiVersion',
      `${quote(ref.apiVersion)} is not a Deployment's apiVersion; Flagger and Sluice ignore it and read apps/v1 Deployment ${ref.name}: write apps/v1`,
    ),
  ];
};

const autoscalerApiVersion: Warn = (canary) => {
  const ref = canary.spec.autoscalerRef;
  if (!ref || ref.kind !== 'HorizontalPodAutoscaler' || ref.apiVersion === undefined || HPA_VERSIONS.includes(ref.apiVersion)) return [];
  return [
    problem(
      'spec.autoscalerRef.apiVersion',
      `${quote(ref.apiVersion)} is not a HorizontalPodAutoscaler's apiVersion; Flagger and Sluice ignore it and read HorizontalPodAutoscaler ${ref.name} as autoscaling/v2: write autoscaling/v2`,
    ),
  ];
};

const mirrorWeightWithoutMirror: Warn = (canary, p) => {
  const analysis = canary.spec.analysis ?? canary.spec.canaryAnalysis;
  if (analysis?.mirrorWeight === undefined || analysis.mirror) return [];
  return [problem(`${p}.mirrorWeight`, `is ignored without ${p}.mirror: true (no traffic is mirrored)`)];
};

const WARNINGS: Warn[] = [targetApiVersion, autoscalerApiVersion, mirrorWeightWithoutMirror];

/** Suspicious values of a Canary that is valid otherwise; [] for anything else. Never throws. */
export function suspiciousValues(doc: unknown): Problem[] {
  const canary = doc as Canary | undefined;
  if (!canary || typeof canary !== 'object' || !canary.spec || typeof canary.spec !== 'object') return [];
  const analysisPath = canary.spec.analysis ? 'spec.analysis' : 'spec.canaryAnalysis';
  return WARNINGS.flatMap((warn) => {
    try {
      return warn(canary, analysisPath);
    } catch {
      // A field of the wrong type is validation's to report, not a warning's.
      return [];
    }
  });
}

/**
 * A MetricTemplate or AlertProvider of another flagger.app version (Flagger's CloudWatch docs write
 * flagger.app/v1alpha1). Sluice reads its fields all the same, but the CRDs, Flagger's as Sluice's,
 * serve v1beta1 only, so `kubectl apply` would refuse it: said before it is.
 */
function unservedVersion(doc: unknown): Problem[] {
  const apiVersion = (doc as { apiVersion?: unknown }).apiVersion;
  if (apiVersion === GROUP_VERSION) return [];
  return [
    problem('apiVersion', `${quote(apiVersion)} is not served (the CRD serves ${GROUP_VERSION} only), so the apiserver refuses it: write ${GROUP_VERSION}`),
  ];
}

/** Every warning about a flagger.app document: fields not acted on, suspicious values, an unserved version. */
export function documentWarnings(doc: unknown, defaultProvider?: string): Problem[] {
  const kind = (doc as { kind?: unknown } | undefined)?.kind;
  if (kind === 'MetricTemplate' || kind === 'AlertProvider') return unservedVersion(doc);
  if (kind !== 'Canary') return [];
  return [...canaryWarnings(doc, defaultProvider), ...suspiciousValues(doc)];
}
