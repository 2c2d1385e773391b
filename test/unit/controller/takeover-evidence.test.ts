// The evidence the controller gathers beside a status Flagger wrote (issue #14): whether the
// primary Flagger made runs the target's template, and Flagger's checksums of the tracked configs.
import { expect } from 'chai';
import { takeoverEvidence } from '../../../src/controller/takeover-evidence.js';
import type { ConfigJson } from '../../../src/synth/kube-json.js';
import type { DeploymentLike } from '../../../src/rollout/readiness.js';

/** A pod template as the apiserver returns it: defaults filled in. */
function template(image: string, app: string, annotations: Record<string, string>, configMap: string) {
  return {
    metadata: { creationTimestamp: null, labels: { app, team: 'web' }, annotations },
    spec: {
      containers: [
        {
          name: 'podinfod',
          image,
          imagePullPolicy: 'IfNotPresent',
          ports: [{ name: 'http', containerPort: 9898, protocol: 'TCP' }],
          envFrom: [{ configMapRef: { name: configMap } }],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      volumes: [{ name: 'certs', secret: { secretName: 'podinfo-tls', defaultMode: 420 } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      securityContext: {},
      schedulerName: 'default-scheduler',
    },
  };
}

const target = (image = 'ghcr.io/stefanprodan/podinfo:6.0.0', annotations: Record<string, string> = { 'prometheus.io/scrape': 'true' }): DeploymentLike => ({
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { replicas: 0, selector: { matchLabels: { app: 'podinfo' } }, template: template(image, 'podinfo', annotations, 'podinfo-config') },
});

/** What Flagger's createPrimaryDeployment / Promote wrote: selector label `-primary`, config refs to the copies, a random flagger-id. */
const flaggerPrimary = (image = 'ghcr.io/stefanprodan/podinfo:6.0.0'): DeploymentLike => {
  const t = template(
    image,
    'podinfo-primary',
    { 'prometheus.io/scrape': 'true', 'flagger-id': '0d4b5e7a-3f1c-4a8e-9b2d-6c7f8e9a0b1c' },
    'podinfo-config-primary',
  );
  t.spec.volumes[0].secret.secretName = 'podinfo-tls-primary';
  return {
    metadata: { name: 'podinfo-primary', namespace: 'test' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'podinfo-primary' } }, template: t },
  };
};

const configs: ConfigJson[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'podinfo-config', namespace: 'test' }, data: { color: 'blue' } },
  { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'podinfo-tls', namespace: 'test' }, data: { password: 'czNjcjN0', user: 'YWRtaW4=' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unrelated', namespace: 'test' }, data: { x: 'y' } },
];

describe('takeover evidence', () => {
  it('a primary Flagger made from the target runs it (flagger-id, -primary refs and selector label aside)', () => {
    expect(takeoverEvidence(target(), flaggerPrimary(), configs, 'test').primaryRunsTarget).to.equal(true);
  });

  it('a target whose image changed since is not what the primary runs', () => {
    expect(takeoverEvidence(target('ghcr.io/stefanprodan/podinfo:6.0.1'), flaggerPrimary(), configs, 'test').primaryRunsTarget).to.equal(false);
  });

  it('a pod annotation added to the target since is a change', () => {
    const changed = target(undefined, { 'prometheus.io/scrape': 'true', 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' });
    expect(takeoverEvidence(changed, flaggerPrimary(), configs, 'test').primaryRunsTarget).to.equal(false);
  });

  it("Flux's own annotations on the target are not copied by Flagger, and do not count", () => {
    const fluxed = target(undefined, { 'prometheus.io/scrape': 'true', 'kustomize.toolkit.fluxcd.io/checksum': 'abc' });
    expect(takeoverEvidence(fluxed, flaggerPrimary(), configs, 'test').primaryRunsTarget).to.equal(true);
  });

  it('no primary, nothing it runs', () => {
    expect(takeoverEvidence(target(), undefined, configs, 'test').primaryRunsTarget).to.equal(false);
  });

  it("Flagger's checksums of the configs the target uses, ConfigMaps and Secrets alike (data only)", () => {
    expect(takeoverEvidence(target(), flaggerPrimary(), configs, 'test').flaggerConfigChecksums).to.deep.equal({
      'configmap/podinfo-config': ['f234cb93c08ad64e'],
      'secret/podinfo-tls': ['0b66b4a1026df054'],
    });
  });
});
