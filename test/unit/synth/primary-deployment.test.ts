import { expect } from 'chai';
import { synthesizeCanary } from '../../../src/synth/canary-chart.js';
import type { ConfigJson, DeploymentJson, JsonObject } from '../../../src/synth/kube-json.js';
import { configRefsOf } from '../../../src/synth/pod-template.js';
import { inputOf, podinfoCanary, podinfoDeployment } from './inputs.js';

/** A pod template using every place a pod can name a ConfigMap or Secret, plus fields no typed class knows. */
function richTarget(): DeploymentJson {
  const target = podinfoDeployment({
    replicas: 3,
    minReadySeconds: 7,
    progressDeadlineSeconds: 120,
    revisionHistoryLimit: 4,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
    paused: false,
  });
  target.metadata.annotations = {
    'team.example.com/owner': 'payments',
    'kustomize.toolkit.fluxcd.io/checksum': 'abc',
    'deployment.kubernetes.io/revision': '7',
    'kubectl.kubernetes.io/last-applied-configuration': '{}',
  };
  target.metadata.labels = { app: 'podinfo', tier: 'web', 'kustomize.toolkit.fluxcd.io/name': 'apps' };
  target.spec.selector = { matchLabels: { app: 'podinfo', tier: 'web' } };
  target.spec.template = {
    metadata: { labels: { app: 'podinfo', tier: 'web' }, annotations: { 'prometheus.io/scrape': 'true' }, creationTimestamp: null as unknown as string },
    spec: {
      serviceAccountName: 'podinfo',
      futurePodField: { enabled: true },
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'podinfo', tier: 'web' } } } },
          ],
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['podinfo', 'other'] }] } },
          ],
        },
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'redis' } } }],
        },
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'app', operator: 'In', values: ['podinfo'] }] }] },
        },
      },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
          labelSelector: { matchLabels: { app: 'podinfo' } },
          matchLabelKeys: ['pod-template-hash'],
        },
      ],
      initContainers: [
        {
          name: 'init',
          image: 'busybox:1.36',
          envFrom: [{ configMapRef: { name: 'podinfo-env' } }, { secretRef: { name: 'untracked-secret' } }],
        },
      ],
      containers: [
        {
          name: 'podinfod',
          image: 'ghcr.io/stefanprodan/podinfo:6.0.0',
          ports: [
            { name: 'http', containerPort: 9898 },
            { name: 'grpc', containerPort: 9999 },
          ],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, initialDelaySeconds: 5 },
          readinessProbe: { grpc: { port: 9999 } },
          resources: { limits: { cpu: '2', memory: '512Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
          env: [
            { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'podinfo-config', key: 'color' } } },
            { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'podinfo-token', key: 'token', optional: true } } },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          ],
          envFrom: [{ secretRef: { name: 'podinfo-token' }, prefix: 'SECRET_' }],
          volumeMounts: [{ name: 'config', mountPath: '/etc/podinfo' }],
          futureContainerField: 'kept',
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'podinfo-config', defaultMode: 420 } },
        { name: 'tls', secret: { secretName: 'podinfo-tls' } },
        { name: 'sa', serviceAccountToken: { path: 'token' } },
        {
          name: 'bundle',
          projected: { sources: [{ configMap: { name: 'podinfo-config' } }, { secret: { name: 'podinfo-token' } }, { downwardAPI: { items: [] } }] },
        },
      ],
    },
  };
  return target;
}

const config = (kind: 'ConfigMap' | 'Secret', name: string, extra: Partial<ConfigJson> = {}): ConfigJson => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace: 'test', labels: { app: 'podinfo' } },
  ...(kind === 'Secret' ? { type: 'Opaque', data: { token: 'c2VjcmV0' } } : { data: { color: 'blue' } }),
  ...extra,
});

const trackedConfigs = [
  config('ConfigMap', 'podinfo-config'),
  config('ConfigMap', 'podinfo-env'),
  config('Secret', 'podinfo-token'),
  config('Secret', 'podinfo-tls', { type: 'kubernetes.io/tls' }),
  // Not copied: not referenced, opted out, or a Secret type other controllers own.
  config('ConfigMap', 'unrelated'),
  config('Secret', 'untracked-secret', {
    metadata: { name: 'untracked-secret', namespace: 'test', annotations: { 'flagger.app/config-tracking': 'disabled' } },
  }),
];

describe('synth: primary Deployment', () => {
  const target = richTarget();
  const before = structuredClone(target);
  const out = synthesizeCanary(inputOf(podinfoCanary(), target, { configs: trackedConfigs, podAnnotations: { 'flagger-id': 'b7f0' } }));
  const primary = out.byRole.primaryDeployment as JsonObject;
  const podSpec = primary.spec.template.spec;

  it('does not modify its input', () => {
    expect(target).to.deep.equal(before);
  });

  it('is named <target>-primary and selects only <value>-primary on the selector label', () => {
    expect(primary.metadata.name).to.equal('podinfo-primary');
    expect(primary.spec.selector).to.deep.equal({ matchLabels: { app: 'podinfo-primary' } });
    expect(primary.spec.template.metadata.labels).to.deep.equal({ app: 'podinfo-primary', tier: 'web' });
  });

  it('by default (Flagger\'s -include-label-prefix ""), keeps none of the target\'s own labels and annotations but the selector label', () => {
    expect(primary.metadata.labels).to.deep.equal({ app: 'podinfo-primary' });
    expect(primary.metadata).not.to.have.property('annotations');
  });

  it('copies progressDeadlineSeconds, minReadySeconds, revisionHistoryLimit, strategy and replicas (no autoscaler)', () => {
    expect(primary.spec).to.include({ progressDeadlineSeconds: 120, minReadySeconds: 7, revisionHistoryLimit: 4, replicas: 3 });
    expect(primary.spec.strategy).to.deep.equal({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } });
    expect(primary.spec).not.to.have.property('paused');
  });

  it("with -include-label-prefix \"*\", keeps every label and annotation but Flux's, kubectl's and the Deployment controller's", () => {
    const all = synthesizeCanary({ ...inputOf(podinfoCanary(), richTarget(), { configs: trackedConfigs }), includeLabelPrefixes: ['*'] });
    const meta = (all.byRole.primaryDeployment as JsonObject).metadata;
    expect(meta.labels).to.deep.equal({ app: 'podinfo-primary', tier: 'web' });
    expect(meta.annotations).to.deep.equal({ 'team.example.com/owner': 'payments' });
  });

  it('with -include-label-prefix app.kubernetes.io,team., keeps the labels and annotations under those prefixes only; the pod template keeps all', () => {
    const target = richTarget();
    target.metadata.labels = {
      ...target.metadata.labels,
      'app.kubernetes.io/name': 'podinfo',
      'app.kubernetes.io/part-of': 'shop',
      'helm.sh/chart': 'podinfo-6',
    };
    const out = synthesizeCanary({ ...inputOf(podinfoCanary(), target, { configs: trackedConfigs }), includeLabelPrefixes: ['app.kubernetes.io', 'team.'] });
    const deployment = out.byRole.primaryDeployment as JsonObject;
    expect(deployment.metadata.labels).to.deep.equal({ app: 'podinfo-primary', 'app.kubernetes.io/name': 'podinfo', 'app.kubernetes.io/part-of': 'shop' });
    expect(deployment.metadata.annotations).to.deep.equal({ 'team.example.com/owner': 'payments' });
    expect(deployment.spec.template.metadata.labels).to.deep.equal({ app: 'podinfo-primary', tier: 'web' });
  });

  it('stamps podAnnotations next to the template annotations; creationTimestamp: null is not copied', () => {
    expect(primary.spec.template.metadata.annotations).to.deep.equal({ 'prometheus.io/scrape': 'true', 'flagger-id': 'b7f0' });
    expect(primary.spec.template.metadata).not.to.have.property('creationTimestamp');
  });

  it('keeps every pod spec field except the rewritten references, unknown ones included', () => {
    const expected = structuredClone(target.spec.template.spec) as JsonObject;
    // The rewrites, spelled out: tracked ConfigMaps and Secrets, own-pod label selectors.
    expected.volumes[0].configMap.name = 'podinfo-config-primary';
    expected.volumes[1].secret.secretName = 'podinfo-tls-primary';
    expected.volumes[3].projected.sources[0].configMap.name = 'podinfo-config-primary';
    expected.volumes[3].projected.sources[1].secret.name = 'podinfo-token-primary';
    expected.containers[0].env[0].valueFrom.configMapKeyRef.name = 'podinfo-config-primary';
    expected.containers[0].env[1].valueFrom.secretKeyRef.name = 'podinfo-token-primary';
    expected.containers[0].envFrom[0].secretRef.name = 'podinfo-token-primary';
    expected.initContainers[0].envFrom[0].configMapRef.name = 'podinfo-env-primary';
    expected.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels.app = 'podinfo-primary';
    expected.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values = ['podinfo-primary', 'other'];
    expected.topologySpreadConstraints[0].labelSelector.matchLabels.app = 'podinfo-primary';
    expect(podSpec).to.deep.equal(expected);
  });

  it("leaves untracked references, other pods' selectors and node affinity alone", () => {
    expect(podSpec.initContainers[0].envFrom[1].secretRef.name).to.equal('untracked-secret');
    expect(podSpec.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels.app).to.equal('redis');
    expect(podSpec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values).to.deep.equal([
      'podinfo',
    ]);
    expect(podSpec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.labelSelector.matchLabels.tier).to.equal('web');
  });

  it('copies exactly the referenced, trackable configs as -primary, ConfigMaps first, in name order', () => {
    expect(out.byRole.configs.map((c) => `${c.kind}/${c.metadata.name}`)).to.deep.equal([
      'ConfigMap/podinfo-config-primary',
      'ConfigMap/podinfo-env-primary',
      'Secret/podinfo-tls-primary',
      'Secret/podinfo-token-primary',
    ]);
    const tls = out.byRole.configs[2];
    expect(tls).to.deep.include({ type: 'kubernetes.io/tls', data: { token: 'c2VjcmV0' } });
    expect(tls.metadata).to.deep.equal({ name: 'podinfo-tls-primary', namespace: 'test', labels: { app: 'podinfo' } });
  });

  it('does not copy a service-account token or docker-config Secret', () => {
    const dockercfg = config('Secret', 'podinfo-token', { type: 'kubernetes.io/dockerconfigjson' });
    const o = synthesizeCanary(inputOf(podinfoCanary(), richTarget(), { configs: [dockercfg] }));
    expect(o.byRole.configs).to.deep.equal([]);
    expect((o.byRole.primaryDeployment as JsonObject).spec.template.spec.containers[0].envFrom[0].secretRef.name).to.equal('podinfo-token');
  });

  it('finds every config reference of a pod spec once', () => {
    expect(configRefsOf(target.spec.template.spec).map((r) => `${r.kind}/${r.name}`)).to.deep.equal([
      'ConfigMap/podinfo-config',
      'Secret/podinfo-tls',
      'Secret/podinfo-token',
      'ConfigMap/podinfo-env',
      'Secret/untracked-secret',
    ]);
  });

  it('leaves replicas to the autoscaler when the Canary has one', () => {
    const canary = podinfoCanary({ autoscalerRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' } });
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'podinfo', namespace: 'test' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, maxReplicas: 4 },
    };
    const o = synthesizeCanary(inputOf(canary, richTarget(), { hpa }));
    expect((o.byRole.primaryDeployment as JsonObject).spec).not.to.have.property('replicas');
  });

  it('selects by name, then app.kubernetes.io/name, when there is no app label', () => {
    const byName = podinfoDeployment();
    byName.spec.selector = { matchLabels: { name: 'podinfo', 'app.kubernetes.io/name': 'x' } };
    byName.spec.template.metadata = { labels: { name: 'podinfo', 'app.kubernetes.io/name': 'x' } };
    const o = synthesizeCanary(inputOf(podinfoCanary(), byName));
    expect((o.byRole.primaryDeployment as JsonObject).spec.selector.matchLabels).to.deep.equal({ name: 'podinfo-primary' });
    expect((o.byRole.services!.canary.spec as JsonObject).selector).to.deep.equal({ name: 'podinfo' });
  });

  it('gives every object an owner reference to the Canary when the Canary has a uid', () => {
    const canary = podinfoCanary({}, { uid: '0b1c2d3e-0000-4000-8000-000000000001' });
    const o = synthesizeCanary(inputOf(canary, richTarget(), { configs: trackedConfigs }));
    for (const object of o.objects) {
      expect(object.metadata.ownerReferences, `${object.kind} ${object.metadata.name}`).to.deep.equal([
        {
          apiVersion: 'flagger.app/v1beta1',
          kind: 'Canary',
          name: 'podinfo',
          uid: '0b1c2d3e-0000-4000-8000-000000000001',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    expect(out.objects.every((object) => object.metadata.ownerReferences === undefined)).to.equal(true);
  });
});
