// Service targets (issue #15; Flagger's ServiceController and its no-op Kubernetes router): what is
// accepted and refused, what the copies carry, what counts as a revision, what a rollout does and
// does not do, beside the goldens (test/golden/example-service.yaml, weight-30-service-gatewayapi.yaml,
// service-kubernetes.yaml).
import { expect } from 'chai';
import { validateCanary } from '../../../src/api/validate.js';
import { resolveCanary } from '../../../src/api/defaults.js';
import type { Canary } from '../../../src/api/types.js';
import { canarySchema } from '../../../src/api/schemas/canary.js';
import { CLUSTER_RULES } from '../../../src/install/permissions.js';
import { webhookConfigurations } from '../../../src/admission/registration.js';
import { synthesizeCanary } from '../../../src/synth/canary-chart.js';
import { copiedServiceSpec, serviceRevisionSource } from '../../../src/synth/service-copies.js';
import { SynthError } from '../../../src/synth/errors.js';
import { synthesizerFor } from '../../../src/operator/run.js';
import { workloadView } from '../../../src/controller/workload-view.js';
import { observe } from '../../../src/controller/observe.js';
import { workloadReadiness } from '../../../src/rollout/readiness.js';
import { builtinFamily } from '../../../src/analysis/builtin-queries.js';
import { http } from '../../../src/analysis/builtins/http.js';
import { istio } from '../../../src/analysis/builtins/istio.js';
import type { KubeObject } from '../../../src/kube/index.js';
import { exampleInput, withCanary } from '../synth/inputs.js';
import { World, osmCanary } from '../rollout/world.js';

/** Flagger's e2e manifest of a Service target (test/e2e-kubernetes-tests-svc.sh), in v1beta1. */
const flaggerE2e = (edit: (spec: any) => void = () => undefined): any => {
  const doc: any = {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'kubernetes',
      targetRef: { apiVersion: 'core/v1', kind: 'Service', name: 'podinfo' },
      progressDeadlineSeconds: 60,
      service: { port: 9898 },
      canaryAnalysis: {
        interval: '15s',
        threshold: 10,
        iterations: 5,
        metrics: [
          { name: 'request-success-rate', threshold: 99, interval: '1m' },
          { name: 'request-duration', threshold: 500, interval: '30s' },
        ],
        webhooks: [{ name: 'gate', type: 'confirm-rollout', url: 'http://flagger-loadtester.test/gate/approve' }],
      },
    },
  };
  edit(doc.spec);
  return doc;
};

/** The target Service as the apiserver returns it: allocated IPs and node ports, defaults filled in. */
const stored = (selector: Record<string, string> = { app: 'podinfo' }): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: {
    name: 'podinfo',
    namespace: 'test',
    uid: 'u-svc',
    resourceVersion: '42',
    labels: { 'app.kubernetes.io/name': 'podinfo' },
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'example.com/team': 'a' },
  },
  spec: {
    type: 'NodePort',
    clusterIP: '10.96.0.17',
    clusterIPs: ['10.96.0.17'],
    ipFamilies: ['IPv4'],
    ipFamilyPolicy: 'SingleStack',
    internalTrafficPolicy: 'Cluster',
    sessionAffinity: 'None',
    externalTrafficPolicy: 'Cluster',
    selector,
    ports: [{ name: 'http', port: 9898, protocol: 'TCP', targetPort: 9898, nodePort: 31234 }],
  },
  status: { loadBalancer: {} },
});

const paths = (doc: unknown, defaultProvider?: string) => validateCanary(doc, defaultProvider).map((p) => p.path);

describe('workloads: Service targets', () => {
  describe('validation', () => {
    it("accepts Flagger's e2e manifest (provider kubernetes, apiVersion core/v1) and the gatewayapi providers", () => {
      expect(validateCanary(flaggerE2e())).to.deep.equal([]);
      for (const provider of ['gatewayapi:v1', 'gatewayapi:v1beta1']) {
        const doc = flaggerE2e((s) => {
          s.provider = provider;
          s.service.gatewayRefs = [{ name: 'gateway', namespace: 'istio-ingress' }];
        });
        expect(validateCanary(doc), provider).to.deep.equal([]);
      }
      expect((canarySchema as any).properties.spec.properties.targetRef.properties.kind.enum).to.include('Service');
    });

    it('refuses every other provider, naming spec.targetRef.kind, and says when the provider is the operator default', () => {
      for (const provider of ['istio', 'linkerd', 'nginx', 'gloo', 'kuma', 'contour']) {
        const problems = validateCanary(flaggerE2e((s) => (s.provider = provider)));
        expect(
          problems.map((p) => p.path),
          provider,
        ).to.include('spec.targetRef.kind');
        expect(problems.find((p) => p.path === 'spec.targetRef.kind')!.message).to.include(`provider is ${provider}`);
      }
      const unset = validateCanary(flaggerE2e((s) => delete s.provider));
      expect(unset.map((p) => p.path)).to.deep.equal(['spec.targetRef.kind']);
      expect(unset[0].message).to.include("provider is istio (the operator's default");
      expect(
        paths(
          flaggerE2e((s) => delete s.provider),
          'kubernetes',
        ),
      ).to.deep.equal([]);
    });

    it('refuses an autoscaler (a Service has no pods of its own) and a spec.service.name other than the target', () => {
      const scaled = validateCanary(flaggerE2e((s) => (s.autoscalerRef = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' })));
      expect(scaled.map((p) => p.path)).to.deep.equal(['spec.autoscalerRef']);
      expect(scaled[0].message).to.include('cannot scale a Service: it has no pods of its own');
      expect(paths(flaggerE2e((s) => (s.service.name = 'frontend')))).to.deep.equal(['spec.service.name']);
      expect(paths(flaggerE2e((s) => (s.service.name = 'podinfo')))).to.deep.equal([]);
    });
  });

  describe('copies and revisions', () => {
    it("copies what the target's own spec says, not what the apiserver allocated to it (cluster IPs, node ports)", () => {
      const spec = copiedServiceSpec(stored());
      expect(spec).to.not.have.any.keys('clusterIP', 'clusterIPs', 'healthCheckNodePort');
      expect(spec.ports).to.deep.equal([{ name: 'http', port: 9898, protocol: 'TCP', targetPort: 9898 }]);
      expect(spec).to.deep.include({ type: 'NodePort', selector: { app: 'podinfo' }, externalTrafficPolicy: 'Cluster' });
      // A headless target stays headless.
      expect(copiedServiceSpec({ spec: { clusterIP: 'None', selector: { app: 'x' } } })).to.deep.equal({ clusterIP: 'None', selector: { app: 'x' } });
    });

    it('a revision is a change of the spec, not of what the apiserver fills in or allocates', () => {
      const revision = (svc: KubeObject) => observe({ canary: flaggerE2e(), target: workloadView('Service', svc), configs: [] }, 0, {}).targetRevision;
      const written: KubeObject = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'podinfo' },
        spec: { type: 'NodePort', externalTrafficPolicy: 'Cluster', selector: { app: 'podinfo' }, ports: [{ name: 'http', port: 9898 }] },
      };
      expect(revision(stored())).to.be.a('string').and.equal(revision(written));
      const moved = stored();
      (moved.spec as any).clusterIP = '10.96.0.99';
      (moved.metadata as any).resourceVersion = '43';
      expect(revision(moved)).to.equal(revision(stored()));
      expect(revision(stored({ app: 'podinfo-v2' }))).to.not.equal(revision(stored()));
      expect(serviceRevisionSource(stored())).to.deep.equal({
        type: 'NodePort',
        externalTrafficPolicy: 'Cluster',
        selector: { app: 'podinfo' },
        ports: [{ name: 'http', port: 9898 }],
      });
    });

    it('reads as one replica, always ready: there are no pods to count or wait for', () => {
      const view = workloadView('Service', stored())!;
      expect(view.spec!.replicas).to.equal(1);
      expect(workloadReadiness(view)).to.deep.equal({ ready: true, reason: '', stuck: false });
    });
  });

  describe('synthesis', () => {
    const serviceInput = (provider: string, weights = { primary: 100, canary: 0 }) =>
      withCanary(
        { ...exampleInput('service'), target: stored() as any },
        (c) => {
          c.spec.provider = provider;
        },
        weights,
      );

    it("kubernetes: the two copies and nothing else; the canary keeps the labels and annotations, never kubectl's last-applied", () => {
      const input = serviceInput('kubernetes');
      const out = synthesizeCanary(input);
      expect(out.objects.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal(['Service/podinfo-primary', 'Service/podinfo-canary']);
      expect(out.byRole.services).to.not.have.any.keys('apex', 'primary');
      const canaryCopy = out.byRole.services!.canary;
      expect(canaryCopy.metadata.labels).to.deep.equal({ 'app.kubernetes.io/name': 'podinfo' });
      expect(canaryCopy.metadata.annotations).to.deep.equal({ 'example.com/team': 'a' });
      expect(out.byRole.primaryDeployment!.metadata).to.not.have.any.keys('labels', 'annotations');
      expect(canaryCopy.metadata).to.not.have.any.keys('uid', 'resourceVersion');
      expect(canaryCopy).to.not.have.property('status');
    });

    it('gatewayapi: an HTTPRoute named after the target, split between its copies', () => {
      const [route] = synthesizeCanary(serviceInput('gatewayapi:v1', { primary: 60, canary: 40 })).byRole.routes as any[];
      expect(route.metadata.name).to.equal('podinfo');
      expect(route.spec.rules[0].backendRefs.map((b: any) => [b.name, b.weight])).to.deep.equal([
        ['podinfo-primary', 60],
        ['podinfo-canary', 40],
      ]);
    });

    it('a router that selects pods itself cannot serve a Service target: synthesis names spec.targetRef.kind', () => {
      for (const provider of ['kuma', 'gloo']) {
        expect(() => synthesizeCanary(serviceInput(provider)), provider)
          .to.throw(SynthError)
          .with.property('field', 'spec.targetRef.kind');
      }
    });

    it("the primary's copy is applied only to initialize or promote, the canary's at every step", () => {
      const input = serviceInput('gatewayapi:v1');
      const inputs = { canary: input.canary, resolved: input.resolved, target: stored() };
      const weights = { primary: 100, canary: 0, mirror: false };
      const names = (primaryFromTarget: boolean) => synthesizerFor()(inputs, weights, primaryFromTarget).map((o) => `${o.kind}/${o.metadata.name}`);
      expect(names(true)).to.deep.equal(['Service/podinfo-primary', 'Service/podinfo-canary', 'HTTPRoute/podinfo']);
      expect(names(false)).to.deep.equal(['Service/podinfo-canary', 'HTTPRoute/podinfo']);
    });
  });

  describe('rollout', () => {
    const serviceCanary = (): Canary =>
      osmCanary((c) => {
        c.spec.provider = 'kubernetes';
        c.spec.targetRef = { apiVersion: 'v1', kind: 'Service', name: 'podinfo' };
        c.spec.analysis = { interval: '30s', threshold: 2, iterations: 3, metrics: [] };
      });

    it("goes through Flagger's phases and Events and is never asked to scale anything", () => {
      const w = new World(serviceCanary());
      const decisions = [w.reconcile(), w.reconcile()];
      expect(w.status.phase).to.equal('Initialized');
      expect(w.status.conditions![0].message).to.equal('Service initialization completed.');
      w.setImage('podinfo:6.0.1');
      for (let i = 0; i < 20 && w.status.phase !== 'Succeeded'; i++) decisions.push(w.step());
      expect(w.status.phase).to.equal('Succeeded');
      decisions.push(w.step(), w.step());
      expect(decisions.filter((d) => d.scaleTarget !== undefined)).to.deep.equal([]);
      expect(w.events).to.include.members([
        'Initialization done! podinfo.test',
        'New revision detected! Scaling up podinfo.test',
        'Advance podinfo.test canary iteration 3/3',
        'Copying podinfo.test template spec to podinfo-primary.test',
        'Promotion completed! Scaling down podinfo.test',
      ]);
      // The primary's copy is taken from the target twice: to initialize, and to promote.
      expect(w.primaryImage).to.equal('podinfo:6.0.1');
    });
  });

  describe('metrics, RBAC and the guard', () => {
    it("builtin metrics are Flagger's <provider>:service ones: Istio's for kubernetes, the generic HTTP ones for gatewayapi", () => {
      expect(resolveCanary(flaggerE2e()).metricsProvider).to.equal('kubernetes:service');
      expect(resolveCanary(flaggerE2e((s) => (s.targetRef = { kind: 'Deployment', name: 'podinfo' }))).metricsProvider).to.equal('kubernetes');
      expect(builtinFamily('kubernetes:service')).to.equal(istio);
      expect(builtinFamily('gatewayapi:v1:service')).to.equal(http);
    });

    it('the operator may watch and apply Services, and the owned-object guard lists services once', () => {
      const verbs = CLUSTER_RULES.filter((r) => r.apiGroups.includes('') && r.resources.includes('services')).flatMap((r) => r.verbs);
      expect(verbs).to.include.members(['get', 'list', 'watch', 'create', 'patch']);
      const guard = webhookConfigurations({ url: 'https://localhost:9443' }, 'ca').validating.webhooks as any[];
      const services = guard.flatMap((w) => w.rules ?? []).filter((r: any) => r.apiGroups.includes('') && r.resources.includes('services'));
      expect(services).to.have.length(1);
    });
  });
});
