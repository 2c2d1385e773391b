// Whatever validation accepts, synthesis builds, for every provider. A Canary that validation
// accepts and synthesis refuses passes admission, then fails on every reconcile in the controller
// instead of being refused with its field named. First every kind of match condition the schema
// accepts (each field of an HTTPMatchRequest, each StringMatch kind and the empty one, in
// spec.service.match and in spec.analysis.match) and the spec.service fields routers refuse, one
// at a time; then seeded random combinations of them. Where synthesis refuses a single condition,
// validation must refuse it too, at the same field.
import { expect } from 'chai';
import { STRING_MATCH_FIELDS, STRING_MATCH_KINDS, STRING_MATCH_MAPS } from '../../../src/api/match-support.js';
import { providerEntry, routesByWeight, SUPPORTED_PROVIDERS } from '../../../src/api/providers.js';
import type { Canary, HTTPMatchRequest } from '../../../src/api/types.js';
import { validateCanary } from '../../../src/api/validate.js';
import { synthesizeCanary } from '../../../src/synth/canary-chart.js';
import { SynthError } from '../../../src/synth/errors.js';
import type { KubeObject } from '../../../src/synth/kube-json.js';
import { inputOf, podinfoCanary, podinfoDeployment } from '../synth/inputs.js';
import { Rng } from './mutate.js';
import { fuzzSeed } from './seed.js';

const SEED = fuzzSeed('validation against synthesis');
/** Each random Canary is synthesized twice, far dearer than a validation: a fraction of the fuzz budget. */
const N = Math.ceil(Number(process.env.SLUICE_FUZZ_N ?? 10_000) / 25);

const INGRESS: KubeObject = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: {
    rules: [{ host: 'app.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'podinfo', port: { number: 80 } } } }] } }],
  },
};

const ROUTE: KubeObject = {
  apiVersion: 'apisix.apache.org/v2',
  kind: 'ApisixRoute',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { http: [{ name: 'main', match: { hosts: ['app.example.com'], paths: ['/*'] }, backends: [{ serviceName: 'podinfo', servicePort: 80 }] }] },
};

const ROUTE_TABLE: KubeObject = {
  apiVersion: 'networking.gloo.solo.io/v2',
  kind: 'RouteTable',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { hosts: ['app.example.com'], http: [{ delegate: { routeTables: [{ name: 'podinfo-delegate' }] } }] },
};

/** A value for each field a provider requires (providers.ts `requires`), so a Canary is refused for what is under test only. */
const REQUIRED_VALUES: Record<string, (spec: Canary['spec']) => void> = {
  'spec.service.gatewayRefs': (spec) => {
    spec.service.gatewayRefs = [{ name: 'gw', namespace: 'istio-system' }];
  },
  'spec.ingressRef': (spec) => {
    spec.ingressRef = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', name: 'podinfo' };
  },
  'spec.routeRef': (spec) => {
    spec.routeRef = { apiVersion: 'apisix.apache.org/v2', kind: 'ApisixRoute', name: 'podinfo' };
  },
  'spec.routeTableRef': (spec) => {
    spec.routeTableRef = { name: 'podinfo', namespace: 'test' };
  },
};

/** The Knative Service a knative Canary targets, in place of the Deployment. */
const KNATIVE_SERVICE = {
  apiVersion: 'serving.knative.dev/v1',
  kind: 'Service',
  metadata: { name: 'podinfo', namespace: 'test' },
  spec: { template: { spec: { containers: [{ image: 'ghcr.io/stefanprodan/podinfo:6.0.0' }] } } },
} as unknown as ReturnType<typeof podinfoDeployment>;

function baseCanary(provider: string): Canary {
  const canary = podinfoCanary({ provider });
  if (provider === 'knative') canary.spec.targetRef = { apiVersion: 'serving.knative.dev/v1', kind: 'Service', name: 'podinfo' };
  for (const { path } of providerEntry(provider)?.requires ?? []) {
    const fill = REQUIRED_VALUES[path];
    if (!fill) throw new Error(`the test has no value for ${path}, which ${provider} requires`);
    fill(canary.spec);
  }
  return canary;
}

type StringMatchKind = (typeof STRING_MATCH_KINDS)[number] | 'empty';
const KINDS: StringMatchKind[] = [...STRING_MATCH_KINDS, 'empty'];
const VALUES: Record<string, string> = { uri: '/api', scheme: 'https', method: 'GET', authority: 'app.example.com' };

function stringMatch(kind: StringMatchKind, value: string) {
  return kind === 'empty' ? {} : { [kind]: kind === 'regex' ? `^${value}.*` : value };
}

/** One condition: a StringMatch field, or one entry of a StringMatch map. */
function condition(field: string, kind: StringMatchKind): HTTPMatchRequest {
  if ((STRING_MATCH_MAPS as readonly string[]).includes(field)) return { [field]: { 'x-canary': stringMatch(kind, 'insider') } };
  return { [field]: stringMatch(kind, VALUES[field]) };
}

const CONDITION_FIELDS = [...STRING_MATCH_FIELDS, ...STRING_MATCH_MAPS];

type Where = 'service' | 'analysis';

function withMatch(canary: Canary, where: Where, match: HTTPMatchRequest[]): Canary {
  if (where === 'service') canary.spec.service.match = match;
  else canary.spec.analysis = { ...canary.spec.analysis, iterations: 10, match };
  return canary;
}

/** spec.service settings routers read beside the match: each applied to a Canary. */
const SERVICE_EDITS: Record<string, (c: Canary) => void> = {
  delegation: (c) => {
    c.spec.service.delegation = true;
  },
  hosts: (c) => {
    c.spec.service.hosts = ['app.example.com'];
  },
  gateways: (c) => {
    c.spec.service.gateways = ['istio-system/public'];
  },
  tcp: (c) => {
    c.spec.service.appProtocol = 'tcp';
  },
  timeout: (c) => {
    c.spec.service.timeout = '30s';
  },
  retries: (c) => {
    c.spec.service.retries = { attempts: 3, perTryTimeout: '5s', retryOn: 'gateway-error' };
  },
  rewrite: (c) => {
    c.spec.service.rewrite = { uri: '/' };
  },
  headers: (c) => {
    c.spec.service.headers = { request: { add: { 'x-via': 'sluice' } } };
  },
  portDiscovery: (c) => {
    c.spec.service.portDiscovery = true;
  },
  mirror: (c) => {
    c.spec.analysis = { ...c.spec.analysis, mirror: true, mirrorWeight: 50 };
  },
  blueGreen: (c) => {
    c.spec.analysis = { ...c.spec.analysis, iterations: 5 };
  },
  // With the cookies a rollout keeps in the status, so the sticky routes are built too.
  sessionAffinity: (c) => {
    c.spec.analysis = { ...c.spec.analysis, sessionAffinity: { cookieName: 'canary-cookie', primaryCookieName: 'primary-cookie' } };
    c.status = {
      sessionAffinityCookie: 'canary-cookie=AbCdEfGhIj',
      primarySessionAffinityCookie: 'primary-cookie=KlMnOpQrSt',
      previousSessionAffinityCookie: 'canary-cookie=ZyXwVuTsRq',
    };
  },
};

interface Verdict {
  problems: string[];
  /** Why synthesis refused, or undefined when it built every step. */
  refusal?: { field?: string; message: string };
}

/** Validation's problems, and synthesis at the first step and halfway (A/B's header routes, mirroring). */
function judge(canary: Canary): Verdict {
  const problems = validateCanary(canary).map((p) => `${p.path}: ${p.message}`);
  const target = canary.spec.provider === 'knative' ? KNATIVE_SERVICE : podinfoDeployment();
  const input = inputOf(canary, target, { referenced: { ingress: INGRESS, route: ROUTE, routeTable: ROUTE_TABLE } });
  const halfway = routesByWeight(input.resolved.provider) ? { primary: 50, canary: 50, mirror: input.resolved.strategy.mirror } : { primary: 0, canary: 100 };
  try {
    for (const weights of [{ primary: 100, canary: 0 }, halfway]) synthesizeCanary({ ...input, weights });
    return { problems };
  } catch (err) {
    if (err instanceof SynthError) return { problems, refusal: { field: err.field, message: err.message } };
    return { problems, refusal: { message: `crashed: ${(err as Error).stack}` } };
  }
}

/** True when a problem's path is the refused field, inside it, or a field containing it. */
function namesField(problems: string[], field: string): boolean {
  return problems.some((p) => {
    const path = p.slice(0, p.indexOf(': '));
    return path === field || path.startsWith(`${field}.`) || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
  });
}

function describeCase(label: string, canary: Canary, verdict: Verdict): string {
  const { service, analysis, provider } = canary.spec;
  return `${label}: ${JSON.stringify({ provider, service, analysis: { iterations: analysis?.iterations, mirror: analysis?.mirror, match: analysis?.match } })}\n    -> ${verdict.refusal?.message}`;
}

describe(`validation against synthesis: every provider (seed ${SEED})`, () => {
  it('refuses at validation, at the same field, every single match condition and service setting that synthesis refuses', function () {
    this.timeout(300_000);
    const disagreements: string[] = [];
    const built = new Map<string, number>();
    const check = (label: string, canary: Canary) => {
      const verdict = judge(canary);
      if (!verdict.refusal) {
        if (verdict.problems.length === 0) built.set(canary.spec.provider!, (built.get(canary.spec.provider!) ?? 0) + 1);
        return;
      }
      const field = verdict.refusal.field;
      if (verdict.problems.length === 0) disagreements.push(`accepted, then refused by synthesis: ${describeCase(label, canary, verdict)}`);
      else if (field && !namesField(verdict.problems, field)) {
        disagreements.push(`refused elsewhere (${verdict.problems.join('; ')}): ${describeCase(label, canary, verdict)}`);
      }
    };
    for (const provider of SUPPORTED_PROVIDERS) {
      for (const where of ['service', 'analysis'] as Where[]) {
        for (const field of CONDITION_FIELDS) {
          for (const kind of KINDS) check(`${where}.match ${field} ${kind}`, withMatch(baseCanary(provider), where, [condition(field, kind)]));
        }
      }
      for (const [name, edit] of Object.entries(SERVICE_EDITS)) {
        const canary = baseCanary(provider);
        edit(canary);
        check(name, canary);
        // Each setting beside delegation, the one that forbids others.
        const delegate = baseCanary(provider);
        SERVICE_EDITS.delegation(delegate);
        edit(delegate);
        check(`delegation + ${name}`, delegate);
      }
    }
    expect(disagreements, disagreements.slice(0, 5).join('\n')).to.deep.equal([]);
    // Not vacuous: every provider builds the Canaries it accepts.
    expect([...built.keys()].sort()).to.deep.equal([...SUPPORTED_PROVIDERS].sort());
  });

  it(`never accepts what synthesis refuses: ${N} random combinations`, function () {
    this.timeout(300_000);
    const rng = new Rng(SEED);
    const disagreements: string[] = [];
    let accepted = 0;
    for (let i = 0; i < N; i++) {
      const provider = rng.pick(SUPPORTED_PROVIDERS);
      const canary = baseCanary(provider);
      const randomMatches = () =>
        Array.from(
          { length: 1 + rng.int(3) },
          () => Object.assign({}, ...Array.from({ length: 1 + rng.int(3) }, () => condition(rng.pick(CONDITION_FIELDS), rng.pick(KINDS)))) as HTTPMatchRequest,
        );
      if (rng.next() < 0.6) withMatch(canary, 'service', randomMatches());
      if (rng.next() < 0.6) withMatch(canary, 'analysis', randomMatches());
      for (const edit of Object.values(SERVICE_EDITS)) if (rng.next() < 0.2) edit(canary);
      const verdict = judge(canary);
      if (verdict.problems.length === 0) {
        accepted++;
        if (verdict.refusal) disagreements.push(`case ${i}: ${describeCase('accepted, then refused by synthesis', canary, verdict)}`);
      }
    }
    console.log(`      ${accepted} of ${N} random Canaries were valid and built`);
    expect(disagreements, disagreements.slice(0, 5).join('\n')).to.deep.equal([]);
    expect(accepted, 'valid Canaries among the random ones').to.be.greaterThan(0);
  });
});
