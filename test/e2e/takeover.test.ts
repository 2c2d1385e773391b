// Taking over from Flagger on the local control plane (issue #14): a Canary Flagger left
// Succeeded is adopted without a rollout and a later change is analysed; Flagger's
// test/kubernetes/test-deployment.sh (the user's own podinfo-svc) initializes and rolls out; and
// Flagger's test/istio/test-canary.sh revert test (the user's own VirtualService) gets the user's
// VirtualService back when the Canary is deleted.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ensureCluster, kubectl, kubectlJson, waitFor } from '../support/cluster.js';
import {
  startOperator,
  podinfoDeployment,
  podinfoCanary,
  waitForPhase,
  canaryEvents,
  canaryStatus,
  setImage,
  deploymentImage,
  deploymentReplicas,
  deleteNamespace,
  applyObjects,
  FAST,
  type OperatorProcess,
} from './support/rollout.js';

const run = `${process.pid % 10000}`;
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const metrics = [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval }];

/** A value of the form Flagger's ComputeHash writes: rand.SafeEncodeString of a decimal fnv32a (never 16 hex digits). */
const FLAGGER_HASH = '5f7b8c6d94';
/** Flagger's checksum of {color: blue}: sha256 of Go's json.Marshal, first 8 bytes (computed with Go 1.26). */
const FLAGGER_BLUE = 'f234cb93c08ad64e';

const namespaces: string[] = [];
async function namespace(name: string): Promise<string> {
  const ns = `e2e-${name}-${run}`;
  namespaces.push(ns);
  await kubectl(['create', 'namespace', ns]).catch(() => undefined);
  return ns;
}

/** The operator's log lines about one namespace (it works on every namespace of the cluster). */
const logOf = (op: OperatorProcess | undefined, ns: string) =>
  (op?.logs() ?? '')
    .split('\n')
    .filter((l) => l.includes(ns))
    .join('\n');

/** The controller owner reference Flagger sets on what it creates. */
const ownedBy = (uid: string) => [{ apiVersion: 'flagger.app/v1beta1', kind: 'Canary', name: 'podinfo', uid, controller: true, blockOwnerDeletion: true }];

describe('e2e: taking over from Flagger', function () {
  this.timeout(15 * 60_000);
  let operator: OperatorProcess | undefined;

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
  });
  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator log: ${operator?.logFile}`);
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all(namespaces.map(deleteNamespace));
  });

  describe('a Canary Flagger left Succeeded', function () {
    let ns: string;
    let primaryGeneration: number;

    before(async function () {
      this.timeout(5 * 60_000);
      ns = await namespace('takeover');
      const config = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'podinfo-config', namespace: ns }, data: { color: 'blue' } };
      const target = podinfoDeployment(ns, OLD, 0, {}, 'podinfo-config') as any;
      const canary = podinfoCanary(ns, { provider: 'linkerd', analysis: { interval: FAST.interval, threshold: 3, stepWeight: 25, maxWeight: 50, metrics } });
      await applyObjects([config, target, canary]);
      const uid: string = (await kubectlJson(['-n', ns, 'get', 'canary', 'podinfo'])).metadata.uid;

      // What Flagger created at initialization (pkg/canary/deployment_controller.go, config_tracker.go,
      // pkg/router/kubernetes_default.go): the -primary ConfigMap copy, the primary with the selector
      // label `-primary`, the config reference pointing at the copy and a random flagger-id, and the Services.
      const primary = podinfoDeployment(ns, OLD, 2, {}, 'podinfo-config-primary') as any;
      primary.metadata = { name: 'podinfo-primary', namespace: ns, labels: { app: 'podinfo-primary' }, ownerReferences: ownedBy(uid) };
      primary.spec.selector = { matchLabels: { app: 'podinfo-primary' } };
      primary.spec.template.metadata = { labels: { app: 'podinfo-primary' }, annotations: { 'flagger-id': randomUUID() } };
      const service = (name: string, app: string) => ({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns, labels: { app: name }, ownerReferences: ownedBy(uid) },
        spec: { type: 'ClusterIP', selector: { app }, ports: [{ name: 'http', protocol: 'TCP', port: 9898, targetPort: 9898 }] },
      });
      await applyObjects([
        { ...config, metadata: { name: 'podinfo-config-primary', namespace: ns, ownerReferences: ownedBy(uid) } },
        primary,
        service('podinfo-canary', 'podinfo'),
        service('podinfo-primary', 'podinfo-primary'),
        service('podinfo', 'podinfo-primary'),
      ]);

      // The status Flagger writes once a promotion finished (pkg/canary/status.go).
      const at = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      await kubectl([
        '-n',
        ns,
        'patch',
        'canary',
        'podinfo',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({
          status: {
            phase: 'Succeeded',
            canaryWeight: 0,
            failedChecks: 0,
            iterations: 0,
            lastAppliedSpec: FLAGGER_HASH,
            lastPromotedSpec: FLAGGER_HASH,
            trackedConfigs: { 'configmap/podinfo-config': FLAGGER_BLUE },
            lastTransitionTime: at,
            conditions: [
              {
                type: 'Promoted',
                status: 'True',
                reason: 'Succeeded',
                message: 'Canary analysis completed successfully, promotion finished.',
                lastUpdateTime: at,
                lastTransitionTime: at,
              },
            ],
          },
        }),
      ]);
      await waitFor(async () => (await kubectlJson(['-n', ns, 'get', 'deployment', 'podinfo-primary'])).status?.availableReplicas === 2, 60_000, {
        what: 'the primary available',
      });
      primaryGeneration = (await kubectlJson(['-n', ns, 'get', 'deployment', 'podinfo-primary'])).metadata.generation;
      operator = await startOperator();
    });

    it('is adopted without a rollout: Sluice\'s hashes replace Flagger\'s, no "New revision detected!", the primary untouched', async () => {
      const st = await waitFor(
        async () => {
          const s = await canaryStatus(ns);
          return /^[0-9a-f]{16}$/.test(s.lastAppliedSpec ?? '') ? s : undefined;
        },
        60_000,
        { what: "Sluice's own revision in the status" },
      );
      expect(st.phase).to.equal('Succeeded');
      expect(st.lastPromotedSpec).to.equal(st.lastAppliedSpec);
      expect(st.trackedConfigs['configmap/podinfo-config']).to.match(/^[0-9a-f]{16}$/);
      expect(st.conditions[0]).to.include({ reason: 'Succeeded', status: 'True' });
      // More reconciles come (the watch events of its own writes, the routing objects it creates).
      await new Promise((r) => setTimeout(r, 8_000));
      const events = await canaryEvents(ns);
      expect(
        events.filter((e) => e.startsWith('New revision detected')),
        events.join('\n'),
      ).to.deep.equal([]);
      expect(logOf(operator, ns)).to.not.include('New revision detected');
      expect((await canaryStatus(ns)).phase).to.equal('Succeeded');
      expect((await kubectlJson(['-n', ns, 'get', 'deployment', 'podinfo-primary'])).metadata.generation, 'primary never rewritten').to.equal(
        primaryGeneration,
      );
      expect(await deploymentReplicas(ns, 'podinfo')).to.equal(0);
    });

    it('a `kubectl set image` after the takeover is analysed and promoted', async () => {
      await kubectl(['-n', ns, 'set', 'image', 'deployment/podinfo', `podinfod=${NEW}`]);
      await waitFor(async () => (await canaryEvents(ns)).includes(`New revision detected! Scaling up podinfo.${ns}`), 60_000, { what: 'the rollout' });
      const st = await waitForPhase(ns, ['Succeeded', 'Failed'], 240_000);
      const events = await canaryEvents(ns);
      expect(st.phase, events.join('\n')).to.equal('Succeeded');
      expect(events).to.include(`Advance podinfo.${ns} canary weight 50`);
      expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
    });
  });

  describe("Flagger's test/kubernetes/test-deployment.sh: the user's own Service podinfo-svc", function () {
    let ns: string;

    before(async function () {
      this.timeout(5 * 60_000);
      operator ??= await startOperator();
      ns = await namespace('usersvc');
      // The script's Canary; its webhooks call a load tester this cluster does not run (the traffic
      // generator stands in for the load), so they are left out.
      await applyObjects([
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'podinfo-svc', namespace: ns },
          spec: { type: 'ClusterIP', selector: { app: 'podinfo' }, ports: [{ name: 'http', port: 9898, protocol: 'TCP', targetPort: 'http' }] },
        },
        podinfoDeployment(ns, OLD, 2),
        podinfoCanary(ns, {
          provider: 'kubernetes',
          progressDeadlineSeconds: 60,
          service: { port: 80, targetPort: 9898, name: 'podinfo-svc', portDiscovery: true },
          analysis: {
            interval: FAST.interval,
            threshold: 10,
            iterations: 5,
            metrics: [
              { name: 'request-success-rate', interval: FAST.metricInterval, thresholdRange: { min: 99 } },
              { name: 'request-duration', interval: FAST.metricInterval, thresholdRange: { max: 500 } },
            ],
          },
        }),
      ]);
    });

    it("initializes: the Service gets Sluice's port 80 `http` instead of the user's 9898 `http`, selecting the primary", async () => {
      await waitForPhase(ns, ['Initialized'], 180_000);
      const svc = await kubectlJson(['-n', ns, 'get', 'service', 'podinfo-svc']);
      expect(svc.spec.ports).to.deep.equal([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 9898 }]);
      expect(svc.spec.selector).to.deep.equal({ app: 'podinfo-primary' });
      // As Flagger's router: the user's Service is not made the Canary's, and keeps its own metadata.
      expect(svc.metadata.ownerReferences ?? []).to.deep.equal([]);
      expect(svc.metadata.labels ?? {}).to.deep.equal({});
      expect(logOf(operator, ns)).to.not.include('Duplicate value');
    });

    it('rolls out a new image (Blue/Green, 5 iterations)', async () => {
      await setImage(ns, NEW);
      const st = await waitForPhase(ns, ['Succeeded', 'Failed'], 240_000);
      const events = await canaryEvents(ns);
      expect(st.phase, events.join('\n')).to.equal('Succeeded');
      expect(events).to.include(`Advance podinfo.${ns} canary iteration 5/5`);
      expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
    });

    it("`kubectl delete canary` (no revertOnDeletion) leaves the user's Service; the Canary's own go with it", async () => {
      await kubectl(['-n', ns, 'delete', 'canary', 'podinfo', '--wait=true', '--timeout=120s']);
      await waitFor(async () => !(await kubectl(['-n', ns, 'get', 'service', 'podinfo-svc-canary', '--ignore-not-found', '-o', 'name'])).trim(), 60_000, {
        what: 'the garbage collector to delete podinfo-svc-canary',
      });
      const svc = await kubectlJson(['-n', ns, 'get', 'service', 'podinfo-svc']);
      expect(svc.metadata.ownerReferences ?? []).to.deep.equal([]);
    });
  });

  describe("Flagger's test/istio/test-canary.sh: the user's own VirtualService, revertOnDeletion", function () {
    const userSpec = {
      gateways: ['istio-system/ingressgateway'],
      hosts: ['app.example.com', 'podinfo'],
      http: [
        {
          retries: { attempts: 3, perTryTimeout: '1s', retryOn: 'gateway-error,connect-failure,refused-stream' },
          route: [{ destination: { host: 'podinfo' } }],
        },
      ],
    };
    // `kubectl apply` (the script's way) records the user's spec in kubectl's annotation, which
    // Flagger restores from; `kubectl create` records none, and the original-configuration Sluice
    // writes on taking it over is what brings it back.
    const ways = { apply: '', create: '' };

    before(async function () {
      this.timeout(5 * 60_000);
      operator ??= await startOperator();
      for (const way of Object.keys(ways) as (keyof typeof ways)[]) {
        const ns = await namespace(`uservs-${way}`);
        ways[way] = ns;
        const userObjects = [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'podinfo', namespace: ns, labels: { app: 'podinfo' } },
            spec: { type: 'ClusterIP', selector: { app: 'podinfo' }, ports: [{ name: 'http', port: 9898, protocol: 'TCP', targetPort: 'http' }] },
          },
          // v1alpha3, as the script writes it; Sluice reads and writes it at v1beta1 (the same schema).
          { apiVersion: 'networking.istio.io/v1alpha3', kind: 'VirtualService', metadata: { name: 'podinfo', namespace: ns }, spec: userSpec },
        ];
        if (way === 'apply') await applyObjects(userObjects);
        else for (const o of userObjects) await kubectl(['create', '-f', '-'], { input: JSON.stringify(o) });
        await applyObjects([
          podinfoDeployment(ns, OLD, 1),
          podinfoCanary(ns, {
            provider: 'istio',
            revertOnDeletion: true,
            progressDeadlineSeconds: 60,
            service: { portDiscovery: true, port: 80, portName: 'http-podinfo', targetPort: 'http' },
            analysis: {
              interval: FAST.interval,
              threshold: 5,
              iterations: 5,
              match: [{ headers: { cookie: { regex: '^(.*?;)?(type=insider)(;.*)?$' } } }],
              metrics,
            },
          }),
        ]);
      }
      await Promise.all(Object.values(ways).map((ns) => waitForPhase(ns, ['Initialized'], 180_000)));
    });

    it("while the Canary lives, the VirtualService routes to the primary and is not the Canary's (no owner reference)", async () => {
      for (const [way, ns] of Object.entries(ways)) {
        const vs = await kubectlJson(['-n', ns, 'get', 'virtualservices.networking.istio.io', 'podinfo']);
        expect(
          vs.spec.http.flatMap((h: any) => h.route.map((r: any) => r.destination.host)),
          way,
        ).to.include('podinfo-primary');
        expect(vs.metadata.ownerReferences ?? [], way).to.deep.equal([]);
        const original = vs.metadata.annotations?.['flagger.kubernetes.io/original-configuration'];
        if (way === 'create') expect(JSON.parse(original)).to.deep.equal(userSpec);
        else expect(original, "kubectl's record holds it already").to.equal(undefined);
      }
    });

    it('after `kubectl delete canary`, svc/podinfo and vs/podinfo are still there, the VirtualService as the user wrote it', async () => {
      await Promise.all(Object.values(ways).map((ns) => kubectl(['-n', ns, 'delete', 'canary', 'podinfo', '--wait=true', '--timeout=120s'])));
      await new Promise((r) => setTimeout(r, 3_000)); // give the garbage collector its chance
      for (const [way, ns] of Object.entries(ways)) {
        const vs = await kubectlJson(['-n', ns, 'get', 'virtualservices.networking.istio.io', 'podinfo']);
        expect(vs.spec, way).to.deep.equal(userSpec);
        expect(vs.metadata.annotations ?? {}, way).to.not.have.property('kustomize.toolkit.fluxcd.io/reconcile');
        const svc = await kubectlJson(['-n', ns, 'get', 'service', 'podinfo']);
        expect(svc.spec.selector, way).to.deep.equal({ app: 'podinfo' });
      }
    });
  });
});
