// Synthesis and scaling of DaemonSet targets and KEDA ScaledObjects (issue #15), beside the goldens
// (test/golden/example-daemonset.yaml, example-keda.yaml, daemonset-scaled-to-zero.yaml, keda-derived-query.yaml).
import { expect } from 'chai';
import { synthesizeCanary } from '../../../src/synth/canary-chart.js';
import { primaryTrigger, queryForPrimary } from '../../../src/synth/primary-scaled-object.js';
import { isScaledToZeroBySelector, scaleToZeroPatch, withoutScaleToZero } from '../../../src/synth/scale-to-zero.js';
import { daemonSetReadiness, workloadReadiness } from '../../../src/rollout/readiness.js';
import { workloadView } from '../../../src/controller/workload-view.js';
import { isScaledAs, isScalerPaused } from '../../../src/controller/target-scale.js';
import { SynthError } from '../../../src/synth/errors.js';
import { exampleInput, withCanary } from '../synth/inputs.js';

const ds = (nodeSelector?: Record<string, string>, status: Record<string, number> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'podinfo', namespace: 'test', generation: 2 },
  spec: {
    selector: { matchLabels: { app: 'podinfo' } },
    template: { metadata: { labels: { app: 'podinfo' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeSelector ? { nodeSelector } : {}) } },
  },
  status: { observedGeneration: 2, ...status },
});

describe('workloads: DaemonSet targets', () => {
  it("scale to zero is Flagger's node selector, added and removed by a merge patch that keeps the user's keys", () => {
    expect(scaleToZeroPatch(true)).to.deep.equal({ spec: { template: { spec: { nodeSelector: { 'flagger.app/scale-to-zero': 'true' } } } } });
    expect(scaleToZeroPatch(false)).to.deep.equal({ spec: { template: { spec: { nodeSelector: { 'flagger.app/scale-to-zero': null } } } } });
    const scaled = ds({ 'kubernetes.io/os': 'linux', 'flagger.app/scale-to-zero': 'true' });
    expect(isScaledToZeroBySelector(scaled)).to.equal(true);
    expect(withoutScaleToZero(scaled).spec.template.spec.nodeSelector).to.deep.equal({ 'kubernetes.io/os': 'linux' });
    expect(withoutScaleToZero(ds({ 'flagger.app/scale-to-zero': 'true' })).spec.template.spec).to.not.have.property('nodeSelector');
    expect(isScaledAs('DaemonSet', scaled as any, 0)).to.equal(true);
    expect(isScaledAs('DaemonSet', scaled as any, 1)).to.equal(false);
  });

  it('reads as 0 replicas while off every node, as the nodes it should run on otherwise; the template without the key', () => {
    const off = workloadView('DaemonSet', ds({ 'flagger.app/scale-to-zero': 'true' }) as any)!;
    expect(off.spec!.replicas).to.equal(0);
    expect((off.spec!.template as any).spec).to.not.have.property('nodeSelector');
    expect(workloadView('DaemonSet', ds(undefined, { desiredNumberScheduled: 3 }) as any)!.spec!.replicas).to.equal(3);
    // Not looked at by its controller yet: never mistaken for scaled to zero.
    expect(workloadView('DaemonSet', ds() as any)!.spec!.replicas).to.equal(1);
  });

  it("is ready when every node it should run on has the current pod available, in Flagger's words otherwise", () => {
    expect(daemonSetReadiness(ds(undefined, { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 3 }) as any).ready).to.equal(true);
    expect(daemonSetReadiness(ds(undefined, { desiredNumberScheduled: 3, updatedNumberScheduled: 1, numberAvailable: 3 }) as any).reason).to.equal(
      'waiting for rollout to finish: 1 out of 3 new pods have been updated',
    );
    expect(daemonSetReadiness(ds(undefined, { desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 2 }) as any).reason).to.equal(
      'waiting for rollout to finish: 2 of 3 updated pods are available',
    );
    const behind = { ...ds(), status: { observedGeneration: 1 } };
    expect(workloadReadiness(behind as any).reason).to.equal('waiting for rollout to finish: observed daemonset generation less than desired generation');
    // Off every node: nothing to wait for.
    expect(daemonSetReadiness(ds({ 'flagger.app/scale-to-zero': 'true' }, { desiredNumberScheduled: 0 }) as any).ready).to.equal(true);
  });

  it('refuses to promote a DaemonSet that does not roll its pods (OnDelete), as Flagger does', () => {
    const input = exampleInput('daemonset');
    const target = structuredClone(input.target);
    target.spec.updateStrategy = { type: 'OnDelete' };
    expect(() => synthesizeCanary({ ...input, target })).to.throw(SynthError, /must have the RollingUpdate strategy/);
  });

  it('refuses a target of another kind than the targetRef names', () => {
    const input = exampleInput('daemonset');
    expect(() => synthesizeCanary({ ...input, target: { ...input.target, kind: 'Deployment' } })).to.throw(
      SynthError,
      /names a DaemonSet but a Deployment was given/,
    );
  });
});

describe('workloads: KEDA ScaledObjects', () => {
  it('replaces the query of the triggers primaryScalerQueries names, by trigger name', () => {
    const trigger = { type: 'prometheus', name: 'requests', metadata: { query: 'old', threshold: '5' } };
    expect(primaryTrigger(trigger, { requests: 'new' }, 'podinfo')).to.deep.equal({ ...trigger, metadata: { query: 'new', threshold: '5' } });
    // Another trigger's entry does not apply: its own query is read for the primary.
    expect(primaryTrigger({ ...trigger, metadata: { query: 'x{app="podinfo"}' } }, { other: 'new' }, 'podinfo').metadata.query).to.equal(
      'x{app="podinfo-primary"}',
    );
    // A trigger without a query (cpu) is copied as it is.
    const cpu = { type: 'cpu', metadata: { value: '80' } };
    expect(primaryTrigger(cpu, { requests: 'new' }, 'podinfo')).to.deep.equal(cpu);
  });

  it("reads the target's and the canary's names as the primary's in a derived query, never doubling a suffix", () => {
    expect(queryForPrimary('a{d="podinfo"} / b{d="podinfo-canary"} + c{d="podinfo-primary"}', 'podinfo')).to.equal(
      'a{d="podinfo-primary"} / b{d="podinfo-primary"} + c{d="podinfo-primary"}',
    );
    expect(queryForPrimary('rate(x{app="my.app"}[1m])', 'my.app')).to.equal('rate(x{app="my.app-primary"}[1m])');
    expect(queryForPrimary('rate(x{app="myXapp"}[1m])', 'my.app')).to.equal('rate(x{app="myXapp"}[1m])');
  });

  it("the primary's copy never carries the target's pause annotation", () => {
    const input = exampleInput('keda');
    const scaledObject = structuredClone(input.scaledObject!);
    scaledObject.metadata.annotations = { 'autoscaling.keda.sh/paused-replicas': '0' };
    expect(isScalerPaused(scaledObject)).to.equal(true);
    const copy = synthesizeCanary({ ...input, scaledObject }).byRole.hpa!;
    expect(copy.metadata.annotations).to.equal(undefined);
  });

  it('refuses a Canary whose ScaledObject was not given, naming spec.autoscalerRef', () => {
    const { scaledObject: _none, ...input } = exampleInput('keda');
    expect(() => synthesizeCanary(input)).to.throw(SynthError, /spec\.autoscalerRef.*ScaledObject test\/podinfo-so was not given/);
  });

  it("primaryScalerReplicas overrides the copy's minReplicaCount and maxReplicaCount, absent it keeps the target's", () => {
    const spec = (input: ReturnType<typeof exampleInput>) => synthesizeCanary(input).byRole.hpa!.spec as any;
    expect(spec(exampleInput('keda'))).to.deep.include({ minReplicaCount: 2, maxReplicaCount: 5 });
    const plain = withCanary(exampleInput('keda'), (c) => {
      delete c.spec.autoscalerRef!.primaryScalerReplicas;
    });
    expect(spec(plain)).to.deep.include({ minReplicaCount: 1, maxReplicaCount: 3 });
  });
});
