// Loading the recorded AdmissionReview fixtures and the Canary they concern.
import { readFileSync } from 'node:fs';
import type { Canary, CanaryPhase } from '../../../src/api/types.js';
import { parseAdmissionReview, type AdmissionReview } from '../../../src/admission/review.js';
import { templateRevision } from '../../../src/rollout/revision.js';

export const fixturePath = (name: string): URL => new URL(`../../fixtures/admission/${name}`, import.meta.url);
export const fixtureText = (name: string): string => readFileSync(fixturePath(name), 'utf8');
export const fixtureJson = (name: string): any => JSON.parse(fixtureText(name));

export function reviewFixture(name: string): AdmissionReview {
  const parsed = parseAdmissionReview(fixtureJson(name));
  if (!parsed.ok) throw new Error(`${name}: ${parsed.reason}`);
  return parsed.review;
}

/** The pod template the podinfo Canary last promoted (image 6.0.0). */
export const promotedTemplate = (): unknown => fixtureJson('deployment-image-change.json').request.oldObject.spec.template;

/** The podinfo Canary in test, targeting Deployment podinfo, in the given phase. */
export function podinfoCanary(phase: CanaryPhase = 'Succeeded'): Canary {
  const promoted = templateRevision(promotedTemplate());
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test', uid: '11f0e8d2-6c4b-4a39-8e57-2d9c0b1a3f07' },
    spec: { provider: 'kubernetes', targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 } },
    status: { phase, lastAppliedSpec: promoted, lastPromotedSpec: promoted },
  };
}
