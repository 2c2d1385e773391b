// Golden files: the YAML synthesized for every example and for the rollout steps that differ
// (A/B, mirroring, Blue/Green, stepWeights, 50 %) must equal test/golden/<case>.yaml byte for byte.
// After an intended change: UPDATE_GOLDEN=1 npx mocha test/unit/synth/golden.test.ts, then review the diff.
import { expect } from 'chai';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readManifestFile, readManifests, toYamlStream } from '../../../src/io/manifests.js';
import type { Canary } from '../../../src/api/types.js';
import { CanaryChart, chartIdOf, synthesizeCanary, type SynthInput } from '../../../src/synth/canary-chart.js';
import { canaryInputsOf } from '../../../src/synth/manifest-inputs.js';
import { App } from 'cdk8s';
import { EXAMPLES, exampleInput, withCanary } from './inputs.js';

const GOLDEN = 'test/golden';
const update = process.env.UPDATE_GOLDEN === '1';

const insider = { headers: { 'x-canary': { exact: 'insider' } } };
const alwaysCookie = { headers: { cookie: { exact: 'canary' } } };
const abTesting = (c: Canary) => {
  const { stepWeight: _s, maxWeight: _m, ...analysis } = c.spec.analysis ?? {};
  c.spec.analysis = { ...analysis, iterations: 10, match: [insider] };
};

const stickyCookies = (c: Canary) => {
  c.spec.analysis = {
    ...c.spec.analysis,
    sessionAffinity: { cookieName: 'flagger-cookie', primaryCookieName: 'flagger-primary-cookie', maxAge: 3600, path: '/' },
  };
  c.status = {
    phase: 'Progressing',
    canaryWeight: 30,
    sessionAffinityCookie: 'flagger-cookie=AbCdEfGhIj',
    primarySessionAffinityCookie: 'flagger-primary-cookie=KlMnOpQrSt',
  };
};

/** The gloo A/B seed, with an upstreamRef to show the copied Upstream settings. */
function glooAbWithUpstream(): SynthInput {
  const seed = readManifestFile('test/fixtures/seeds/gloo-canary-podinfo-ab.yaml');
  const upstream = {
    apiVersion: 'gloo.solo.io/v1',
    kind: 'Upstream',
    metadata: { name: 'podinfo-upstream', namespace: 'gloo-system' },
    spec: {
      sslConfig: { sni: 'podinfo.test' },
      circuitBreakers: { maxConnections: 1024 },
      kube: { serviceName: 'podinfo', serviceNamespace: 'test', servicePort: 9898 },
    },
  };
  const canary = structuredClone(seed[0].object) as unknown as Canary;
  canary.spec.upstreamRef = { apiVersion: 'gloo.solo.io/v1', kind: 'Upstream', name: 'podinfo-upstream', namespace: 'gloo-system' };
  const docs = [
    ...readManifests(['examples/gloo']).filter((d) => d.object.kind !== 'Canary'),
    { file: 'examples/gloo/canary-ab.yaml', index: 0, object: canary as any },
    { file: 'examples/gloo/upstream.yaml', index: 0, object: upstream },
  ];
  return canaryInputsOf(docs, { weights: { primary: 0, canary: 100 }, phase: 'Progressing' })[0].input;
}

/** examples/knative mid-rollout: Knative made podinfo-00002 of a new template; podinfo-00001 is the annotated primary. */
function knativeRevised(weights: SynthInput['weights'], promote: boolean): SynthInput {
  const input = exampleInput('knative', weights);
  const target = structuredClone(input.target) as any;
  target.metadata = { ...target.metadata, generation: 2, annotations: { 'flagger.app/primary-revision': 'podinfo-00001' } };
  target.status = { observedGeneration: 2, latestCreatedRevisionName: 'podinfo-00002', latestReadyRevisionName: 'podinfo-00002' };
  return { ...input, target, promote };
}

const CASES: Record<string, () => SynthInput> = {
  ...Object.fromEntries(EXAMPLES.map((name) => [`example-${name}`, () => exampleInput(name)])),
  'ab-istio': () =>
    withCanary(
      exampleInput('istio'),
      (c) => {
        abTesting(c);
        c.spec.analysis!.match = [insider, alwaysCookie];
      },
      { primary: 0, canary: 100 },
    ),
  'ab-gloo-upstream': glooAbWithUpstream,
  'ab-nginx': () =>
    withCanary(
      exampleInput('nginx'),
      (c) => {
        abTesting(c);
        c.spec.analysis!.match = [insider, alwaysCookie];
      },
      { primary: 0, canary: 100 },
    ),
  'ab-gatewayapi': () => withCanary(exampleInput('gatewayapi'), abTesting, { primary: 0, canary: 100 }),
  'ab-contour': () => withCanary(exampleInput('contour'), abTesting, { primary: 0, canary: 100 }),
  'mirror-istio': () =>
    withCanary(
      exampleInput('istio'),
      (c) => {
        c.spec.analysis!.mirror = true;
        c.spec.analysis!.mirrorWeight = 50;
      },
      { primary: 100, canary: 0, mirror: true },
    ),
  'mirror-gatewayapi-bluegreen': () =>
    withCanary(
      exampleInput('gatewayapi'),
      (c) => {
        c.spec.analysis = { ...c.spec.analysis, iterations: 10, mirror: true, stepWeight: undefined, maxWeight: undefined };
      },
      { primary: 100, canary: 0, mirror: true },
    ),
  'bluegreen-kubernetes-canary': () => exampleInput('kubernetes', { primary: 0, canary: 100 }),
  'bluegreen-istio-canary': () =>
    withCanary(
      exampleInput('istio'),
      (c) => {
        c.spec.analysis = { ...c.spec.analysis, iterations: 10, stepWeight: undefined, maxWeight: undefined };
      },
      { primary: 0, canary: 100 },
    ),
  'stepweights-linkerd': () =>
    withCanary(
      exampleInput('linkerd'),
      (c) => {
        c.spec.analysis = { ...c.spec.analysis, stepWeights: [1, 5, 10, 25, 50], stepWeight: undefined, maxWeight: undefined };
      },
      { primary: 75, canary: 25 },
    ),
  'weight-50-osm': () => exampleInput('osm', { primary: 50, canary: 50 }),
  'weight-50-kuma': () => exampleInput('kuma', { primary: 50, canary: 50 }),
  'weight-40-traefik': () => exampleInput('traefik', { primary: 60, canary: 40 }),
  'weight-30-apisix': () => exampleInput('apisix', { primary: 70, canary: 30 }),
  'weight-30-gloo-mesh': () => exampleInput('gloo-mesh', { primary: 70, canary: 30 }),
  'weight-30-skipper': () => exampleInput('skipper', { primary: 70, canary: 30 }),
  'weight-30-knative': () => knativeRevised({ primary: 70, canary: 30 }, false),
  // Promotion of a Knative Service: the latest revision becomes the annotated primary and takes the traffic.
  'promote-knative': () => knativeRevised({ primary: 100, canary: 0 }, true),
  // Session affinity mid-rollout: the cookies the status holds become sticky routes and Set-Cookie headers.
  'affinity-istio': () => withCanary(exampleInput('istio'), stickyCookies, { primary: 70, canary: 30 }),
  'affinity-gatewayapi': () => withCanary(exampleInput('gatewayapi'), stickyCookies, { primary: 70, canary: 30 }),
  // A DaemonSet target kept off every node between rollouts: the primary never gets that node selector.
  'daemonset-scaled-to-zero': () => {
    const input = exampleInput('daemonset');
    const target = structuredClone(input.target);
    target.spec.template.spec = { ...target.spec.template.spec, nodeSelector: { 'kubernetes.io/os': 'linux', 'flagger.app/scale-to-zero': 'true' } };
    return { ...input, target };
  },
  // Without primaryScalerQueries the primary's query reads the target's name as the primary's.
  'keda-derived-query': () =>
    withCanary(exampleInput('keda'), (c) => {
      delete c.spec.autoscalerRef!.primaryScalerQueries;
      delete c.spec.autoscalerRef!.primaryScalerReplicas;
    }),
  // A Service target mid-rollout: the HTTPRoute splits between the two copies of the Service.
  'weight-30-service-gatewayapi': () => exampleInput('service', { primary: 70, canary: 30 }),
  // A Service target with the kubernetes provider (Flagger's e2e): the two copies and nothing else, the
  // primary's with -include-label-prefix's labels only.
  'service-kubernetes': () => ({
    ...withCanary(exampleInput('service'), (c) => {
      c.spec.provider = 'kubernetes';
      delete c.spec.service.gatewayRefs;
      delete c.spec.service.hosts;
      c.spec.analysis = { ...c.spec.analysis, iterations: 5, stepWeight: undefined, maxWeight: undefined };
    }),
    includeLabelPrefixes: ['app.kubernetes.io'],
  }),
  // The operator settings of Flagger's contour overlay: -ingress-class=contour -include-label-prefix=app.kubernetes.io.
  'settings-contour-ingress-class': () => ({ ...exampleInput('contour'), ingressClass: 'contour', includeLabelPrefixes: ['app.kubernetes.io'] }),
};

describe('synth: golden files', () => {
  if (update) mkdirSync(GOLDEN, { recursive: true });

  for (const [name, input] of Object.entries(CASES)) {
    it(`${name} equals ${GOLDEN}/${name}.yaml and is byte-identical on a second run`, () => {
      const first = toYamlStream(synthesizeCanary(input()).objects);
      const second = toYamlStream(synthesizeCanary(input()).objects);
      expect(second).to.equal(first);
      const file = `${GOLDEN}/${name}.yaml`;
      if (update) writeFileSync(file, first);
      expect(existsSync(file), `${file} is missing: run with UPDATE_GOLDEN=1`).to.equal(true);
      expect(first).to.equal(readFileSync(file, 'utf8'));
    });
  }

  it('render() gives the objects in the order chart.toJson() does (what `cdk8s synth` writes)', () => {
    for (const name of EXAMPLES) {
      const input = exampleInput(name);
      const chart = new CanaryChart(new App(), chartIdOf(input.resolved), input);
      expect(chart.render().objects, name).to.deep.equal(chart.toJson());
    }
  });

  it('dist/ holds the current synthesis of every example (run `npx cdk8s synth` after a change)', () => {
    for (const { folder, input } of canaryInputsOf(readManifests(['examples']), { weights: { primary: 100, canary: 0 } })) {
      const file = `dist/${folder.replace(/^examples\/?/, '')}/${input.resolved.name}.${input.resolved.namespace}.k8s.yaml`;
      expect(existsSync(file), `${file} is missing`).to.equal(true);
      expect(readFileSync(file, 'utf8'), file).to.equal(toYamlStream(synthesizeCanary(input).objects));
    }
  });
});
