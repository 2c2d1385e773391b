// The seeds' scenarios, end to end: the operator (a real `sluice run` process) against the real
// apiserver, controllers, kwok, Prometheus and the simulated mesh traffic. All scenarios run at
// once, each in its own namespace, and each `it` checks one of them.
import { expect } from 'chai';
import { ensureCluster, kubectl, kubectlJson } from '../support/cluster.js';
import {
  startOperator,
  createApp,
  podinfoCanary,
  waitForPhase,
  canaryEvents,
  setImage,
  deploymentImage,
  deploymentReplicas,
  deleteNamespace,
  FAST,
  type OperatorProcess,
  type AppOptions,
} from './support/rollout.js';

const NEW = 'ghcr.io/stefanprodan/podinfo:6.0.1';
const OLD = 'ghcr.io/stefanprodan/podinfo:6.0.0';
const run = `${process.pid % 10000}`;

const builtinMetrics = [
  { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: FAST.metricInterval },
  { name: 'request-duration', thresholdRange: { max: 500 }, interval: FAST.metricInterval },
];
const steps = (stepWeight: number, maxWeight: number, threshold = 3) => ({
  interval: FAST.interval,
  threshold,
  stepWeight,
  maxWeight,
  metrics: builtinMetrics,
});

interface Scenario {
  ns: string;
  app: Omit<AppOptions, 'namespace'>;
  /** Env of the new version (the fault it ships). */
  fault?: Record<string, string>;
}

/** The seed's "404s percentage"; a MetricTemplate is rendered, an inline query (Flagger) runs as written. */
const notFoundQuery = (ns = '{{ namespace }}', target = '{{ target }}', interval = '{{ interval }}') =>
  `100 - sum(rate(osm_request_total{destination_namespace="${ns}",destination_kind="Deployment",destination_name="${target}",response_code!="404"}[${interval}])) / sum(rate(osm_request_total{destination_namespace="${ns}",destination_kind="Deployment",destination_name="${target}"}[${interval}])) * 100`;

function scenarios(): Record<string, Scenario> {
  const ns = (name: string) => `e2e-${name}-${run}`;
  const s: Record<string, Scenario> = {};
  const add = (key: string, spec: Record<string, unknown>, extra: Partial<Scenario> & { objects?: (n: string) => Record<string, unknown>[] } = {}) => {
    const n = ns(key);
    s[key] = {
      ns: n,
      app: { canary: podinfoCanary(n, spec), ...(extra.objects ? { extra: extra.objects(n) } : {}) },
      ...(extra.fault ? { fault: extra.fault } : {}),
    };
  };
  add('osm', { provider: 'osm', progressDeadlineSeconds: 60, analysis: steps(5, 50, 5) });
  add('errors', { provider: 'linkerd', analysis: steps(10, 50) }, { fault: { SLUICE_SIM_ERROR_RATE: '0.4' } });
  add('latency', { provider: 'istio', analysis: steps(10, 50) }, { fault: { SLUICE_SIM_LATENCY_MS: '900' } });
  add(
    'notfound',
    {
      provider: 'osm',
      analysis: {
        ...steps(10, 50),
        metrics: [
          { name: '404s percentage', threshold: 3, interval: FAST.metricInterval, query: notFoundQuery(ns('notfound'), 'podinfo', FAST.metricInterval) },
        ],
      },
    },
    { fault: { SLUICE_SIM_ERROR_RATE: '0.2', SLUICE_SIM_ERROR_CODE: '404' } },
  );
  add(
    'template',
    {
      provider: 'osm',
      analysis: {
        ...steps(10, 50),
        metrics: [{ name: '404s percentage', templateRef: { name: 'not-found-percentage' }, thresholdRange: { max: 3 }, interval: FAST.metricInterval }],
      },
    },
    {
      fault: { SLUICE_SIM_ERROR_RATE: '0.2', SLUICE_SIM_ERROR_CODE: '404' },
      objects: (n) => [
        {
          apiVersion: 'flagger.app/v1beta1',
          kind: 'MetricTemplate',
          metadata: { name: 'not-found-percentage', namespace: n },
          spec: { provider: { type: 'prometheus' }, query: notFoundQuery() },
        },
      ],
    },
  );
  add('ab', {
    provider: 'istio',
    analysis: { interval: FAST.interval, threshold: 3, iterations: 10, match: [{ headers: { 'x-canary': { exact: 'insider' } } }], metrics: builtinMetrics },
  });
  add('istiogw', {
    provider: 'istio',
    service: {
      port: 9898,
      targetPort: 9898,
      gateways: ['public-gateway.istio-system.svc.cluster.local'],
      hosts: ['app.example.com'],
      retries: { attempts: 3, perTryTimeout: '1s', retryOn: 'gateway-error,connect-failure,refused-stream' },
    },
    analysis: steps(10, 50),
  });
  add('quotes', { provider: 'linkerd', analysis: steps(10, 70) });
  add('kuma', { provider: 'kuma', analysis: steps(10, 50) });
  add('kumafail', { provider: 'kuma', analysis: steps(10, 50) }, { fault: { SLUICE_SIM_ERROR_RATE: '0.5' } });
  add('gloo', { provider: 'gloo', analysis: steps(10, 50) });
  add('gloofail', { provider: 'gloo', analysis: steps(10, 50) }, { fault: { SLUICE_SIM_ERROR_RATE: '0.5' } });
  add('bluegreen', { provider: 'kubernetes', analysis: { interval: FAST.interval, threshold: 3, iterations: 3, metrics: builtinMetrics } });
  return s;
}

describe('e2e: rollouts on the local control plane (seed scenarios)', function () {
  this.timeout(15 * 60_000);
  const all = scenarios();
  let operator: OperatorProcess;
  const outcome: Record<string, Promise<any>> = {};

  before(async function () {
    this.timeout(60 * 60_000);
    await ensureCluster();
    operator = await startOperator();
    await Promise.all(Object.values(all).map((s) => createApp({ namespace: s.ns, ...s.app })));
    await Promise.all(Object.values(all).map((s) => waitForPhase(s.ns, ['Initialized'], 180_000)));
    for (const [key, s] of Object.entries(all)) {
      await setImage(s.ns, NEW, s.fault);
      outcome[key] = waitForPhase(s.ns, ['Succeeded', 'Failed'], 300_000);
      outcome[key].catch(() => undefined);
    }
  });

  after(async function () {
    if (this.currentTest?.state === 'failed' || process.env.SLUICE_KEEP_LOGS) console.log(`operator log: ${operator?.logFile}`);
    await operator?.kill('SIGTERM');
    if (!process.env.SLUICE_KEEP_NAMESPACES) await Promise.all(Object.values(all).map((s) => deleteNamespace(s.ns)));
  });

  const t = (key: string) => `podinfo.${all[key].ns}`;

  it("OSM seed: promotes 5..50 with the seed's Events in order, primary on the new image, canary at zero", async () => {
    const { ns } = all.osm;
    const st = await outcome.osm;
    expect(st.phase).to.equal('Succeeded');
    const events = await canaryEvents(ns);
    const expected = [
      `Initialization done! ${t('osm')}`,
      `New revision detected! Scaling up ${t('osm')}`,
      `Starting canary analysis for ${t('osm')}`,
      ...[5, 10, 15, 20, 25, 30, 35, 40, 45, 50].map((w) => `Advance ${t('osm')} canary weight ${w}`),
      `Copying ${t('osm')} template spec to podinfo-primary.${ns}`,
      'Routing all traffic to primary',
      `Promotion completed! Scaling down ${t('osm')}`,
    ];
    expect(events.filter((e) => expected.includes(e))).to.deep.equal(expected);
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
    expect(await deploymentReplicas(ns, 'podinfo')).to.equal(0);
    const table = await kubectl(['-n', ns, 'get', 'canaries']);
    expect(table).to.match(/^NAME\s+STATUS\s+WEIGHT\s+LASTTRANSITIONTIME/m);
    expect(table).to.match(/podinfo\s+Succeeded\s+0\s/);
    const split = await kubectlJson(['-n', ns, 'get', 'trafficsplits.split.smi-spec.io', 'podinfo']);
    // SMI v1alpha1 (Linkerd) weights are quantities, written as strings like Flagger's.
    expect(Number(split.spec.backends.find((b: any) => b.service === 'podinfo-canary').weight)).to.equal(0);
  });

  it('rolls back on HTTP 500s: "success rate ... < 99%" until the threshold, traffic back to primary', async () => {
    const { ns } = all.errors;
    const st = await outcome.errors;
    expect(st.phase).to.equal('Failed');
    const events = await canaryEvents(ns);
    expect(
      events.some((e) => new RegExp(`^Halt ${t('errors').replace('.', '\\.')} advancement success rate \\d+\\.\\d\\d% < 99%$`).test(e)),
      events.join('\n'),
    ).to.equal(true);
    expect(events).to.include(`Rolling back ${t('errors')} failed checks threshold reached 3`);
    expect(events).to.include(`Canary failed! Scaling down ${t('errors')}`);
    expect(st.canaryWeight).to.equal(0);
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(OLD);
    expect(await deploymentReplicas(ns, 'podinfo')).to.equal(0);
    const split = await kubectlJson(['-n', ns, 'get', 'trafficsplits.split.smi-spec.io', 'podinfo']);
    // SMI v1alpha1 (Linkerd) weights are quantities, written as strings like Flagger's.
    expect(Number(split.spec.backends.find((b: any) => b.service === 'podinfo-canary').weight)).to.equal(0);
    const sr = st.metrics.find((m: any) => m.name === 'request-success-rate');
    expect(sr).to.include({ result: 'fail', min: 99 });
    expect(sr.value).to.be.within(40, 80);
  });

  it('rolls back on latency: "request duration ... > ..."', async () => {
    const { ns } = all.latency;
    const st = await outcome.latency;
    expect(st.phase).to.equal('Failed');
    const events = await canaryEvents(ns);
    expect(
      events.some((e) => e.startsWith(`Halt ${t('latency')} advancement request duration `) && e.includes(' > 500ms')),
      events.join('\n'),
    ).to.equal(true);
    expect(events).to.include(`Rolling back ${t('latency')} failed checks threshold reached 3`);
  });

  it('rolls back on the custom "404s percentage" metric (inline query)', async () => {
    const st = await outcome.notfound;
    expect(st.phase).to.equal('Failed');
    const events = await canaryEvents(all.notfound.ns);
    expect(
      events.some((e) => /advancement 404s percentage \d+\.\d\d > 3$/.test(e)),
      events.join('\n'),
    ).to.equal(true);
  });

  it('rolls back on the custom "404s percentage" metric (MetricTemplate)', async () => {
    const st = await outcome.template;
    expect(st.phase).to.equal('Failed');
    const events = await canaryEvents(all.template.ns);
    expect(
      events.some((e) => /advancement 404s percentage \d+\.\d\d > 3$/.test(e)),
      events.join('\n'),
    ).to.equal(true);
  });

  it('A/B: x-canary: insider goes to the canary for 10 iterations, then promotion', async () => {
    const { ns } = all.ab;
    const st = await outcome.ab;
    expect(st.phase).to.equal('Succeeded');
    const events = await canaryEvents(ns);
    expect(events).to.include(`Advance ${t('ab')} canary iteration 10/10`);
    expect(await deploymentImage(ns, 'podinfo-primary')).to.equal(NEW);
    const vs = await kubectlJson(['-n', ns, 'get', 'virtualservices.networking.istio.io', 'podinfo']);
    expect(JSON.stringify(vs.spec.http[0].match)).to.include('insider');
  });

  for (const key of ['istiogw', 'quotes', 'kuma', 'gloo']) {
    it(`${key}: promotes`, async () => {
      const st = await outcome[key];
      expect(st.phase, (await canaryEvents(all[key].ns)).join('\n')).to.equal('Succeeded');
      expect(await deploymentImage(all[key].ns, 'podinfo-primary')).to.equal(NEW);
    });
  }

  it('linkerd quotes backend: steps of 10 up to 70', async () => {
    await outcome.quotes;
    const advances = (await canaryEvents(all.quotes.ns)).filter((e) => e.startsWith('Advance'));
    expect(advances).to.deep.equal([10, 20, 30, 40, 50, 60, 70].map((w) => `Advance ${t('quotes')} canary weight ${w}`));
  });

  for (const key of ['kumafail', 'gloofail']) {
    it(`${key.replace('fail', '')}: rolls back on errors`, async () => {
      const st = await outcome[key];
      expect(st.phase, (await canaryEvents(all[key].ns)).join('\n')).to.equal('Failed');
      expect(await deploymentImage(all[key].ns, 'podinfo-primary')).to.equal(OLD);
    });
  }

  it('Blue/Green with the kubernetes provider: iterations, then promotion', async () => {
    const st = await outcome.bluegreen;
    expect(st.phase).to.equal('Succeeded');
    const events = await canaryEvents(all.bluegreen.ns);
    expect(events).to.include(`Advance ${t('bluegreen')} canary iteration 3/3`);
    expect(await deploymentImage(all.bluegreen.ns, 'podinfo-primary')).to.equal(NEW);
  });

  it("/metrics reports Flagger's canary metrics after the rollouts", async () => {
    const port = /"msg":"metrics and health on :(\d+)"/.exec(operator.logs())?.[1];
    expect(port, 'metrics port in the operator log').to.be.a('string');
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const osm = all.osm.ns;
    const errors = all.errors.ns;
    expect(text).to.include(`flagger_canary_status{name="podinfo",namespace="${osm}"} 1`);
    expect(text).to.include(`flagger_canary_status{name="podinfo",namespace="${errors}"} 2`);
    expect(text).to.include(`flagger_canary_weight{workload="podinfo-primary",namespace="${osm}"} 100`);
    expect(text).to.match(
      new RegExp(`flagger_canary_successes_total\\{name="podinfo",namespace="${osm}",deployment_strategy="canary",analysis_status="completed"\\} 1`),
    );
    expect(text).to.match(
      new RegExp(`flagger_canary_failures_total\\{name="podinfo",namespace="${errors}",deployment_strategy="canary",analysis_status="completed"\\} 1`),
    );
    expect(text).to.match(new RegExp(`flagger_canary_metric_analysis\\{name="podinfo",namespace="${errors}",metric="request-success-rate"\\} \\d`));
    expect(text).to.include('flagger_info{version="0.1.0",mesh_provider="istio"} 1');
  });

  it('the admission webhook stamped the revision on each target at `kubectl set image`', async () => {
    const dep = await kubectlJson(['-n', all.osm.ns, 'get', 'deployment', 'podinfo']);
    expect(dep.metadata.annotations).to.have.property('sluice.dev/revision');
    expect(dep.metadata.annotations['sluice.dev/revision-opened-by']).to.be.a('string').and.not.equal('');
  });
});
