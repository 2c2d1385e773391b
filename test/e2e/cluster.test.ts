// End-to-end checks of the local control plane (test/cluster/up.sh) and the traffic generator
// (test/traffic): real apiserver, controllers, scheduler and kwok; real Prometheus scraping the
// generator. The first run on a machine without cached binaries builds them (~20 min).
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson, promQuery, promValue, waitFor } from '../support/cluster.js';

const NS = `e2e-cluster-${Date.now().toString(36)}`;

function deployment(name: string, labels: Record<string, string>, replicas: number, image: string, env: Record<string, string> = {}) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 9898 }], env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })) }] },
      },
    },
  };
}
const service = (name: string, selector: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS },
  spec: { selector, ports: [{ name: 'http', port: 9898, targetPort: 9898 }] },
});
const apply = (...objs: object[]) => kubectl(['apply', '-f', '-'], { input: objs.map((o) => JSON.stringify(o)).join('\n') });

async function available(name: string, replicas: number): Promise<boolean> {
  const d = await kubectlJson(['-n', NS, 'get', 'deployment', name]);
  const s = d.status ?? {};
  return s.observedGeneration === d.metadata.generation && s.replicas === replicas && s.updatedReplicas === replicas && s.availableReplicas === replicas && s.readyReplicas === replicas;
}

describe('local control plane (e2e)', function () {
  before(async function () {
    this.timeout(50 * 60_000); // a cold build of the binaries takes ~20 min on 2 cores
    await ensureCluster();
    await kubectl(['create', 'namespace', NS]);
    await waitFor(() => kubectl(['-n', NS, 'get', 'serviceaccount', 'default']), 30_000, { what: `default ServiceAccount in ${NS}` });
  });

  after(async function () {
    this.timeout(60_000);
    await kubectl(['delete', 'namespace', NS, '--wait=false']).catch(() => undefined);
  });

  it('serves the API over TLS with RBAC and has a Ready simulated node', async () => {
    expect((await kubectl(['get', '--raw', '/readyz'])).trim()).to.equal('ok');
    const v = await kubectlJson(['version']);
    expect(v.serverVersion.gitVersion).to.match(/^v1\.36\.\d+$/);
    expect(v.clientVersion.gitVersion).to.equal(v.serverVersion.gitVersion);
    const nodes = await kubectlJson(['get', 'nodes']);
    const ready = nodes.items.filter((n: any) => n.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'));
    expect(ready.length).to.be.greaterThan(0);
    // RBAC is enforced: an anonymous identity cannot list pods.
    const denied = await kubectl(['auth', 'can-i', 'list', 'pods', '--as', 'system:serviceaccount:default:nobody']).catch((e) => e.stdout);
    expect(String(denied).trim()).to.equal('no');
  });

  it('installs the provider CRDs and they are Established', async () => {
    for (const crd of ['virtualservices.networking.istio.io', 'destinationrules.networking.istio.io', 'trafficsplits.split.smi-spec.io', 'trafficroutes.kuma.io', 'routetables.gateway.solo.io', 'upstreams.gloo.solo.io', 'httproutes.gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io', 'httpproxies.projectcontour.io']) {
      const c = await kubectlJson(['get', 'crd', crd]);
      expect(c.status.conditions.find((x: any) => x.type === 'Established')?.status, crd).to.equal('True');
    }
  });

  it('runs a Deployment to availableReplicas == replicas within seconds', async function () {
    this.timeout(60_000);
    const t0 = Date.now();
    await apply(deployment('web', { app: 'web' }, 3, 'ghcr.io/stefanprodan/podinfo:6.0.0'));
    await waitFor(() => available('web', 3), 15_000, { what: 'deployment/web available' });
    const pods = await kubectlJson(['-n', NS, 'get', 'pods', '-l', 'app=web']);
    expect(pods.items).to.have.length(3);
    for (const p of pods.items) {
      expect(p.status.phase).to.equal('Running');
      expect(p.spec.nodeName).to.match(/^kwok-node-/);
    }
    console.log(`      deployment available after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it('rolls the Deployment to a new ReplicaSet with kubectl set image', async function () {
    this.timeout(90_000);
    const before = (await kubectlJson(['-n', NS, 'get', 'replicasets', '-l', 'app=web'])).items.map((r: any) => r.metadata.name);
    expect(before).to.have.length(1);
    await kubectl(['-n', NS, 'set', 'image', 'deployment/web', 'app=ghcr.io/stefanprodan/podinfo:6.0.1']);
    await waitFor(async () => {
      if (!(await available('web', 3))) return false;
      const rs = (await kubectlJson(['-n', NS, 'get', 'replicasets', '-l', 'app=web'])).items;
      const fresh = rs.find((r: any) => !before.includes(r.metadata.name));
      const old = rs.find((r: any) => before.includes(r.metadata.name));
      return fresh?.spec.template.spec.containers[0].image === 'ghcr.io/stefanprodan/podinfo:6.0.1' && fresh.status.readyReplicas === 3 && old?.spec.replicas === 0;
    }, 30_000, { what: 'rollout to a new ReplicaSet' });
    const pods = (await kubectlJson(['-n', NS, 'get', 'pods', '-l', 'app=web'])).items.filter((p: any) => !p.metadata.deletionTimestamp);
    expect(pods.map((p: any) => p.spec.containers[0].image)).to.deep.equal(Array(3).fill('ghcr.io/stefanprodan/podinfo:6.0.1'));
  });

  it('has Prometheus scraping the traffic generator', async function () {
    this.timeout(30_000);
    const up = await waitFor(async () => (await promQuery('up{job="sluice-traffic"}'))[0]?.value === 1, 20_000, { what: 'up{job="sluice-traffic"} == 1' });
    expect(up).to.equal(true);
  });

  describe('SMI TrafficSplit (v1alpha2, Linkerd-style) traffic', () => {
    // Canary share of Linkerd's inbound response_total rate (Flagger's linkerd metrics), over a short window.
    // `or vector(0)`: at weight 0 the canary has no series at all, and the share is then 0, not "no data".
    const share = `(sum(rate(response_total{namespace="${NS}",deployment="podinfo",direction="inbound"}[5s])) or vector(0)) / sum(rate(response_total{namespace="${NS}",deployment=~"podinfo|podinfo-primary",direction="inbound"}[5s]))`;
    // Flagger's builtin linkerd request-success-rate query, rendered for the canary.
    const successRate = (target: string) => `sum(rate(response_total{namespace="${NS}",deployment=~"${target}",classification!="failure",direction="inbound"}[10s])) / sum(rate(response_total{namespace="${NS}",deployment=~"${target}",direction="inbound"}[10s])) * 100`;
    const split = (canary: number) => ({
      apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit', metadata: { name: 'podinfo', namespace: NS },
      spec: { service: 'podinfo', backends: [{ service: 'podinfo-canary', weight: canary }, { service: 'podinfo-primary', weight: 100 - canary }] },
    });

    before(async function () {
      this.timeout(90_000);
      await apply(
        deployment('podinfo-primary', { app: 'podinfo-primary' }, 2, 'ghcr.io/stefanprodan/podinfo:6.0.0'),
        // The canary version fails half of its requests (the pod template's env drives the simulation).
        deployment('podinfo', { app: 'podinfo' }, 2, 'ghcr.io/stefanprodan/podinfo:6.0.1', { SLUICE_SIM_ERROR_RATE: '0.5', SLUICE_SIM_ERROR_CODE: '503' }),
        service('podinfo', { app: 'podinfo-primary' }),
        service('podinfo-primary', { app: 'podinfo-primary' }),
        service('podinfo-canary', { app: 'podinfo' }),
      );
      await waitFor(async () => (await available('podinfo-primary', 2)) && (await available('podinfo', 2)), 60_000, { what: 'podinfo deployments available' });
      await apply(split(0));
    });

    it('at weight 0 sends every request to the primary (the canary share is 0)', async function () {
      this.timeout(60_000);
      // Wait until the primary's traffic is in Prometheus for a full window.
      await waitFor(async () => ((await promValue(`sum(rate(response_total{namespace="${NS}",deployment="podinfo-primary",direction="inbound"}[5s]))`)) ?? 0) > 10, 30_000, { what: 'primary traffic in Prometheus' });
      await new Promise((r) => setTimeout(r, 6000));
      // No Canary object exists here, so there is no direct load-test traffic either: exactly 0.
      expect(await promValue(share)).to.equal(0);
      expect(await promValue(`sum(response_total{namespace="${NS}",deployment="podinfo"})`)).to.equal(undefined, 'the canary has no series at all');
      expect(await promValue(successRate('podinfo-primary'))).to.equal(100);
    });

    it('moving the canary weight from 0 to 50 moves its share of response_total to about half within 20 s', async function () {
      this.timeout(60_000);
      const t0 = Date.now();
      await apply(split(50));
      const s = await waitFor(async () => {
        const v = await promValue(share);
        return v !== undefined && v >= 0.35 && v <= 0.65 ? v : false;
      }, 20_000, { what: 'canary share in 0.35..0.65', intervalMs: 500 });
      console.log(`      canary share ${s.toFixed(3)} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // And it stays there.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await promValue(share)).to.be.within(0.35, 0.65);
    });

    it('the canary pod template env (SLUICE_SIM_ERROR_RATE 0.5, code 503) shows in Flagger\'s success-rate query', async function () {
      this.timeout(30_000);
      const sr = await waitFor(async () => {
        const v = await promValue(successRate('podinfo'));
        return v !== undefined && v >= 35 && v <= 65 ? v : false;
      }, 20_000, { what: 'canary success rate ~50 %' });
      expect(sr).to.be.within(35, 65);
      expect(await promValue(successRate('podinfo-primary'))).to.equal(100);
      const codes = await promQuery(`sum by (status_code) (response_total{namespace="${NS}",deployment="podinfo"})`);
      expect(codes.map((c) => c.metric.status_code).sort()).to.deep.equal(['200', '503']);
      // podinfo's own metric carries the real pod names.
      const pods = (await kubectlJson(['-n', NS, 'get', 'pods', '-l', 'app=podinfo'])).items.map((p: any) => p.metadata.name).sort();
      const series = await promQuery(`sum by (kubernetes_pod_name) (http_request_duration_seconds_count{kubernetes_namespace="${NS}",kubernetes_pod_name=~"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"})`);
      expect(series.map((x) => x.metric.kubernetes_pod_name).sort()).to.deep.equal(pods);
    });
  });
});
