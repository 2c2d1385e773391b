// Validation of DaemonSet targets and KEDA ScaledObject autoscalers (issue #15): Flagger's manifests
// are accepted, combinations nothing could carry out are refused with the field named.
import { expect } from 'chai';
import { canaryWarnings, validateCanary } from '../../../src/api/validate.js';
import { CLUSTER_RULES } from '../../../src/install/permissions.js';

const canary = (edit: (spec: any) => void = () => undefined) => {
  const doc: any = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: { interval: '1m', threshold: 5, iterations: 10, metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 } }] },
    },
  };
  edit(doc.spec);
  return doc;
};
const so = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'podinfo-so' };
const paths = (doc: unknown) => validateCanary(doc).map((p) => p.path);

describe('workloads: validation of targets and autoscalers', () => {
  it("accepts a DaemonSet target (Flagger's daemonset e2e manifest)", () => {
    expect(
      validateCanary(
        canary((s) => {
          s.targetRef.kind = 'DaemonSet';
        }),
      ),
    ).to.deep.equal([]);
  });

  it("accepts a KEDA ScaledObject with primaryScalerQueries and primaryScalerReplicas (Flagger's KEDA tutorial)", () => {
    const doc = canary((s) => {
      s.autoscalerRef = { ...so, primaryScalerQueries: { 'prom-trigger': 'sum(rate(x[1m]))' }, primaryScalerReplicas: { minReplicas: 2, maxReplicas: 5 } };
    });
    expect(validateCanary(doc)).to.deep.equal([]);
    expect(canaryWarnings(doc)).to.deep.equal([]);
  });

  it('refuses any other target kind, naming spec.targetRef.kind', () => {
    expect(
      paths(
        canary((s) => {
          s.targetRef.kind = 'StatefulSet';
        }),
      ),
    ).to.deep.equal(['spec.targetRef.kind']);
  });

  it('refuses an autoscaler of a DaemonSet, naming spec.autoscalerRef', () => {
    for (const ref of [so, { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' }]) {
      const problems = validateCanary(
        canary((s) => {
          s.targetRef.kind = 'DaemonSet';
          s.autoscalerRef = ref;
        }),
      );
      expect(
        problems.map((p) => p.path),
        ref.kind,
      ).to.deep.equal(['spec.autoscalerRef']);
      expect(problems[0].message).to.include('cannot scale a DaemonSet');
    }
  });

  it('refuses primaryScalerReplicas whose minReplicas exceeds maxReplicas', () => {
    const doc = canary((s) => {
      s.autoscalerRef = { ...so, primaryScalerReplicas: { minReplicas: 6, maxReplicas: 5 } };
    });
    expect(paths(doc)).to.deep.equal(['spec.autoscalerRef.primaryScalerReplicas.minReplicas']);
  });

  it('warns that primaryScalerQueries means nothing to a HorizontalPodAutoscaler, and not for a ScaledObject', () => {
    const hpa = canary((s) => {
      s.autoscalerRef = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo', primaryScalerQueries: { a: 'q' } };
    });
    expect(canaryWarnings(hpa).map((p) => p.path)).to.deep.equal(['spec.autoscalerRef.primaryScalerQueries']);
  });

  it('RBAC: the operator may watch, apply and patch DaemonSets and ScaledObjects', () => {
    const verbsOf = (group: string, resource: string) =>
      CLUSTER_RULES.filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource)).flatMap((r) => r.verbs);
    for (const [group, resource] of [
      ['apps', 'daemonsets'],
      ['keda.sh', 'scaledobjects'],
      ['apps', 'deployments'],
      ['autoscaling', 'horizontalpodautoscalers'],
    ]) {
      expect(verbsOf(group, resource), resource).to.include.members(['get', 'list', 'watch', 'create', 'patch']);
    }
  });
});
