// The operator as installed: `kubectl apply -k manifests/`, then Sluice runs FROM ITS IMAGE
// (built from this checkout by `npm run image`) with what the manifests' pod would have: the pod
// spec's user, read-only root, dropped capabilities, limits and env, a token of the manifests'
// ServiceAccount from the TokenRequest API, the cluster CA and namespace at the in-cluster paths,
// and KUBERNETES_SERVICE_HOST/PORT. So the in-cluster configuration and the real ClusterRole are
// what it runs with, and the apiserver calls the webhooks it serves over TLS.
//
// What kwok cannot give, and how this test stands in for it (the README says the same):
// - No kubelet runs containers: podman runs the container, on the host's network (no pod network).
// - No kube-proxy routes the Service's ClusterIP: the webhook Service `sluice` is replaced by an
//   ExternalName Service for localhost with the same ports, and this test forwards 127.0.0.1:443
//   (the Service port) to the container's 9443 (its targetPort), as kube-proxy would. The
//   apiserver still calls `sluice.sluice-system.svc` by name and checks the certificate for it.
// - SLUICE_METRICS_SERVER: the manifests name `http://prometheus:9090`, an in-cluster Service no
//   DNS resolves here; the test points it at the local Prometheus, as a user sets it to theirs.
import { expect } from 'chai';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ensureCluster, kubectl, kubectlJson, repoRoot, waitFor, KubectlError, type Cluster } from '../support/cluster.js';
import { createApp, podinfoCanary, waitForPhase, setImage, deploymentImage, canaryEvents, deleteNamespace, FAST } from './support/rollout.js';
import { podman, podmanLogs, podmanRunArgs, type PodSpec } from './support/pod-as-podman.js';

const exec = promisify(execFile);
const NS = 'sluice-system';
const CONTAINER = `sluice-in-cluster-${process.pid}`;
const APP_NS = `e2e-in-cluster-${process.pid % 10000}`;
const FAULTY_NS = `e2e-in-cluster-fail-${process.pid % 10000}`;
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';

/** The operator Deployment and Service of manifests/operator.yaml. */
function manifestObjects(): { deployment: any; service: any } {
  const docs = parseAllDocuments(readFileSync(join(repoRoot, 'manifests/operator.yaml'), 'utf8')).map((d) => d.toJS());
  const deployment = docs.find((d) => d?.kind === 'Deployment');
  const service = docs.find((d) => d?.kind === 'Service');
  if (!deployment || !service) throw new Error('manifests/operator.yaml has no operator Deployment or Service');
  return { deployment, service };
}

/** kube-proxy's part: the Service port on loopback, forwarded to the container's port. */
function forward(fromPort: number, toPort: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(toPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new Error(`cannot forward 127.0.0.1:${fromPort} (the webhook Service port; needs root): ${err.message}`)));
    server.listen(fromPort, '127.0.0.1', () => resolve(server));
  });
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

describe('e2e: the operator from its image, installed by the manifests (in-cluster config, real RBAC)', function () {
  this.timeout(10 * 60_000);
  let cluster: Cluster;
  let forwarder: Server | undefined;
  let podName: string;
  const { deployment, service } = manifestObjects();
  const spec: PodSpec = deployment.spec.template.spec;
  const container = spec.containers[0] as any;
  const portOf = (name: string) => (container.ports as { name: string; containerPort: number }[]).find((p) => p.name === name)!.containerPort;

  before(async function () {
    this.timeout(60 * 60_000);
    cluster = await ensureCluster();
    for (const port of [portOf('http-metrics'), portOf('https-webhook'), 443]) {
      expect(await portFree(port), `port ${port} on 127.0.0.1 is taken: the container shares the host's network`).to.equal(true);
    }
    await waitFor(
      async () => {
        const ns = await kubectlJson(['get', 'namespace', NS]).catch(() => undefined);
        return !ns?.metadata?.deletionTimestamp;
      },
      180_000,
      { what: `namespace ${NS} of an earlier run to be gone` },
    );

    // The image, from this checkout, under the name the manifests use.
    const built = await exec('bash', [join(repoRoot, 'build/image.sh')], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 });
    process.stdout.write(`      ${built.stdout.split('\n').find((l) => l.startsWith('image ')) ?? ''}\n`);
    const localImage = /^IMAGE=(.*)$/m.exec(built.stdout)![1];
    await exec('buildah', ['--storage-driver', 'vfs', 'tag', localImage, container.image]);

    await kubectl(['apply', '-k', join(repoRoot, 'manifests')]);
    // One replica: the container below plays its pod (kwok's pod runs nothing).
    await kubectl(['-n', NS, 'scale', 'deployment', deployment.metadata.name, '--replicas=1']);
    const pod = await waitFor(
      async () => {
        const pods = await kubectlJson<{ items: any[] }>(['-n', NS, 'get', 'pods', '-l', 'app.kubernetes.io/name=sluice']);
        const running = pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
        return running.length === 1 ? running[0] : undefined;
      },
      120_000,
      { what: 'the operator pod (kwok) to be Running' },
    );
    podName = pod.metadata.name;

    // No kube-proxy: the Service becomes an ExternalName for localhost with the same ports.
    await kubectl(['-n', NS, 'delete', 'service', service.metadata.name]);
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: service.metadata,
        spec: { type: 'ExternalName', externalName: 'localhost', ports: service.spec.ports },
      }),
    });
    const webhookServicePort = (service.spec.ports as any[]).find((p) => p.name === 'https-webhook').port;
    forwarder = await forward(webhookServicePort, portOf('https-webhook'));

    // What the kubelet mounts: a bound token of the manifests' ServiceAccount, the CA, the namespace.
    const sa = mkdtempSync(join(tmpdir(), 'sluice-sa-'));
    const token = await kubectl([
      '-n',
      NS,
      'create',
      'token',
      deployment.spec.template.spec.serviceAccountName,
      '--bound-object-kind',
      'Pod',
      '--bound-object-name',
      podName,
      '--duration',
      '2h',
    ]);
    writeFileSync(join(sa, 'token'), token.trim());
    writeFileSync(join(sa, 'ca.crt'), readFileSync(cluster.env.SLUICE_CA_CERT));
    writeFileSync(join(sa, 'namespace'), NS);
    chmodSync(sa, 0o755);
    for (const f of ['token', 'ca.crt', 'namespace']) chmodSync(join(sa, f), 0o644);

    const apiserver = new URL(cluster.env.SLUICE_KUBE_APISERVER);
    await podman(['rm', '-f', CONTAINER]).catch(() => undefined);
    await podman(
      podmanRunArgs(
        spec,
        container.name,
        {
          podName,
          namespace: NS,
          serviceAccountDir: sa,
          apiserverHost: apiserver.hostname,
          apiserverPort: Number(apiserver.port),
          envOverrides: { SLUICE_METRICS_SERVER: cluster.prometheusUrl },
        },
        CONTAINER,
      ),
    );
    await waitFor(async () => (await podmanLogs(CONTAINER)).includes('controller started'), 180_000, {
      what: `the operator in container ${CONTAINER} to start its controller`,
      intervalMs: 1000,
    });
  });

  after(async function () {
    this.timeout(180_000);
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_E2E_KEEP_LOGS) process.stdout.write((await podmanLogs(CONTAINER)).slice(-6000));
    await podman(['rm', '-f', '--time', '5', CONTAINER]).catch(() => undefined);
    forwarder?.close();
    for (const ns of [APP_NS, FAULTY_NS]) await deleteNamespace(ns);
    await kubectl(['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']).catch(() => undefined);
    await kubectl(['delete', 'mutatingwebhookconfiguration,validatingwebhookconfiguration', 'sluice-admission', '--ignore-not-found']).catch(() => undefined);
    await kubectl(['delete', 'clusterrolebinding,clusterrole', 'sluice', '--ignore-not-found']).catch(() => undefined);
  });

  it('runs as the pod spec says: nonroot 65532, read-only root filesystem, no capabilities', async () => {
    const [info] = JSON.parse(await podman(['inspect', CONTAINER]));
    expect(info.State.Running).to.equal(true);
    expect(info.Config.User).to.equal('65532:65532');
    expect(info.HostConfig.ReadonlyRootfs).to.equal(true);
    expect(info.HostConfig.CapDrop.map((c: string) => c.toUpperCase())).to.include.members(['CAP_CHOWN', 'CAP_NET_BIND_SERVICE', 'CAP_SETUID']);
    expect(info.HostConfig.Memory).to.equal(512 * 1024 * 1024);
    const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version;
    expect((await podman(['exec', CONTAINER, 'node', '/app/bin/sluice.js', '--version'])).trim()).to.equal(version);
  });

  it("uses the in-cluster configuration as the manifests' ServiceAccount and holds the Lease as its pod", async () => {
    const lease = await waitFor(
      async () => {
        const l = await kubectlJson(['-n', NS, 'get', 'lease', 'sluice-leader-election']).catch(() => undefined);
        return l?.spec?.holderIdentity ? l : undefined;
      },
      60_000,
      { what: 'the leader Lease' },
    );
    expect(lease.spec.holderIdentity).to.equal(podName);
    // The serving certificate Secret it made with its own RBAC, and the configurations it patched.
    const secret = await kubectlJson(['-n', NS, 'get', 'secret', 'sluice-webhook-tls']);
    expect(secret.type).to.equal('kubernetes.io/tls');
    const mutating = await kubectlJson(['get', 'mutatingwebhookconfiguration', 'sluice-admission']);
    const ca = Buffer.from(mutating.webhooks[0].clientConfig.caBundle ?? '', 'base64').toString();
    expect(ca).to.include('BEGIN CERTIFICATE');
    expect(mutating.webhooks[0].clientConfig.service).to.include({ name: 'sluice', namespace: NS });
    const logs = await podmanLogs(CONTAINER);
    expect(logs).to.not.match(/forbidden/i);
  });

  it('the apiserver calls the validating webhook served from the image: an invalid Canary is refused, naming the field', async () => {
    await kubectl(['create', 'namespace', APP_NS]).catch(() => undefined);
    const bad = podinfoCanary(APP_NS, { provider: 'linkerd', analysis: { interval: FAST.interval, threshold: 3, stepWeight: 150, maxWeight: 50 } });
    let refused: KubectlError | undefined;
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(bad) }).catch((err: unknown) => {
      refused = err as KubectlError;
    });
    expect(refused, 'the Canary was accepted').to.be.instanceOf(KubectlError);
    expect(refused!.stderr).to.match(/flagger\.validate\.sluice\.dev/);
    expect(refused!.stderr).to.match(/stepWeight/);
  });

  it('promotes a podinfo Canary: revision stamped by the mutating webhook, weights stepped, primary on the new image', async () => {
    await createApp({
      namespace: APP_NS,
      canary: podinfoCanary(APP_NS, {
        provider: 'linkerd',
        analysis: {
          interval: FAST.interval,
          threshold: 3,
          stepWeight: 10,
          maxWeight: 50,
          metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }],
        },
      }),
    });
    await waitForPhase(APP_NS, ['Initialized'], 120_000);
    await setImage(APP_NS, NEW);
    const dep = await kubectlJson(['-n', APP_NS, 'get', 'deployment', 'podinfo']);
    expect(dep.metadata.annotations, 'the mutating webhook (served from the container) stamped no revision').to.have.property('sluice.dev/revision');
    await waitForPhase(APP_NS, ['Succeeded'], 240_000);
    expect(await deploymentImage(APP_NS, 'podinfo-primary')).to.equal(NEW);
    const events = await canaryEvents(APP_NS);
    expect(events).to.include('Advance podinfo.' + APP_NS + ' canary weight 50');
    expect(events.some((e) => e.startsWith('Promotion completed!'))).to.equal(true);
  });

  it("serves /healthz, /readyz and /metrics on the pod spec's metrics port, admission latency included", async () => {
    const base = `http://127.0.0.1:${portOf('http-metrics')}`;
    expect((await fetch(`${base}/healthz`)).status).to.equal(200);
    expect((await fetch(`${base}/readyz`)).status).to.equal(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).to.match(/sluice_admission_duration_seconds_count\{webhook="[^"]+",outcome="(patched|allowed)"\} [1-9]/);
    expect(text).to.match(/flagger_canary_status\{name="podinfo",namespace="e2e-in-cluster-/);
  });

  it('rolls back a faulty revision: failed checks up to the threshold, primary stays on the old image', async () => {
    await createApp({
      namespace: FAULTY_NS,
      canary: podinfoCanary(FAULTY_NS, {
        provider: 'linkerd',
        analysis: {
          interval: FAST.interval,
          threshold: 3,
          stepWeight: 10,
          maxWeight: 50,
          metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }],
        },
      }),
    });
    await waitForPhase(FAULTY_NS, ['Initialized'], 120_000);
    await setImage(FAULTY_NS, NEW, { SLUICE_SIM_ERROR_RATE: '0.5' });
    await waitForPhase(FAULTY_NS, ['Failed'], 240_000);
    expect(await deploymentImage(FAULTY_NS, 'podinfo-primary')).to.equal(OLD);
    const events = await canaryEvents(FAULTY_NS);
    expect(events.some((e) => e.startsWith(`Rolling back podinfo.${FAULTY_NS} failed checks threshold reached 3`))).to.equal(true);
  });
});
