// One invalid document per validation rule: each must be refused with its field path.
import { expect } from 'chai';
import { validateDocument } from '../../../src/api/validate.js';
import { formatProblem } from '../../../src/api/problem.js';

type Doc = Record<string, any>;

function baseCanary(): Doc {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: {
      provider: 'istio',
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' },
      service: { port: 9898 },
      analysis: {
        interval: '30s',
        threshold: 5,
        maxWeight: 50,
        stepWeight: 5,
        metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
        webhooks: [{ name: 'load-test', url: 'http://flagger-loadtester.test/', timeout: '5s' }],
      },
    },
  };
}

function baseMetricTemplate(): Doc {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'MetricTemplate',
    metadata: { name: 'not-found-percentage', namespace: 'test' },
    spec: { provider: { type: 'prometheus', address: 'http://prometheus:9090' }, query: 'vector(1)' },
  };
}

function baseAlertProvider(): Doc {
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'AlertProvider',
    metadata: { name: 'on-call', namespace: 'test' },
    spec: { type: 'slack', channel: 'on-call', address: 'https://hooks.slack.com/services/x' },
  };
}

interface Case {
  rule: string;
  doc: () => Doc;
  path: string;
  says: string;
}

const canary = (edit: (c: Doc) => void) => () => {
  const c = baseCanary();
  edit(c);
  return c;
};
const template = (edit: (m: Doc) => void) => () => {
  const m = baseMetricTemplate();
  edit(m);
  return m;
};
const alerts = (edit: (a: Doc) => void) => () => {
  const a = baseAlertProvider();
  edit(a);
  return a;
};

const CASES: Case[] = [
  { rule: 'targetRef is required', doc: canary((c) => delete c.spec.targetRef), path: 'spec.targetRef', says: 'is required' },
  { rule: 'targetRef.name is required', doc: canary((c) => delete c.spec.targetRef.name), path: 'spec.targetRef.name', says: 'is required' },
  { rule: 'service.port is required', doc: canary((c) => delete c.spec.service.port), path: 'spec.service.port', says: 'is required' },
  { rule: 'service.port is a number', doc: canary((c) => (c.spec.service.port = 'http')), path: 'spec.service.port', says: 'must be an integer' },
  { rule: 'provider is known', doc: canary((c) => (c.spec.provider = 'envoy-magic')), path: 'spec.provider', says: 'unsupported value "envoy-magic"' },
  {
    rule: 'targetRef.kind is a Deployment',
    doc: canary((c) => (c.spec.targetRef.kind = 'StatefulSet')),
    path: 'spec.targetRef.kind',
    says: 'must be one of "Deployment"',
  },
  {
    rule: 'stepWeight does not exceed maxWeight',
    doc: canary((c) => (c.spec.analysis.stepWeight = 60)),
    path: 'spec.analysis.stepWeight',
    says: 'must not exceed maxWeight (50), got 60',
  },
  {
    rule: 'stepWeight is a percentage',
    doc: canary((c) => (c.spec.analysis.stepWeight = 120)),
    path: 'spec.analysis.stepWeight',
    says: 'must be between 1 and 100, got 120',
  },
  {
    rule: 'maxWeight is a percentage',
    doc: canary((c) => (c.spec.analysis.maxWeight = 0)),
    path: 'spec.analysis.maxWeight',
    says: 'must be between 1 and 100, got 0',
  },
  {
    rule: 'stepWeights increase',
    doc: canary((c) => {
      delete c.spec.analysis.stepWeight;
      c.spec.analysis.stepWeights = [5, 10, 10, 50];
    }),
    path: 'spec.analysis.stepWeights[2]',
    says: 'must be greater than the step before it (10), got 10',
  },
  {
    rule: 'stepWeight and stepWeights exclude each other',
    doc: canary((c) => (c.spec.analysis.stepWeights = [10, 20])),
    path: 'spec.analysis.stepWeights',
    says: 'not both',
  },
  {
    rule: 'analysis needs a strategy',
    doc: canary((c) => {
      delete c.spec.analysis.stepWeight;
      delete c.spec.analysis.maxWeight;
    }),
    path: 'spec.analysis',
    says: 'one of stepWeight, stepWeights or iterations is required',
  },
  {
    rule: 'match needs iterations',
    doc: canary((c) => (c.spec.analysis.match = [{ headers: { 'x-canary': { exact: 'insider' } } }])),
    path: 'spec.analysis.match',
    says: 'A/B testing needs spec.analysis.iterations greater than 0',
  },
  {
    rule: 'match needs a provider that routes by header',
    doc: canary((c) => {
      c.spec.provider = 'linkerd';
      c.spec.analysis.iterations = 10;
      c.spec.analysis.match = [{ headers: { 'x-canary': { exact: 'insider' } } }];
    }),
    path: 'spec.analysis.match',
    says: 'provider linkerd cannot route by header or cookie',
  },
  {
    rule: 'an Istio match has no suffix',
    doc: canary((c) => {
      c.spec.analysis.iterations = 10;
      c.spec.analysis.match = [{ headers: { 'x-user': { suffix: '@example.com' } } }];
    }),
    path: 'spec.analysis.match[0].headers.x-user.suffix',
    says: 'Istio has no suffix match; use exact, prefix or regex',
  },
  {
    rule: 'an Istio delegate has no hosts',
    doc: canary((c) => {
      c.spec.service.delegation = true;
      c.spec.service.hosts = ['app.example.com'];
    }),
    path: 'spec.service.hosts',
    says: 'must be empty when spec.service.delegation is true',
  },
  {
    rule: 'a Gateway API path match has no suffix',
    doc: canary((c) => {
      c.spec.provider = 'gatewayapi:v1';
      c.spec.service.gatewayRefs = [{ name: 'gw' }];
      c.spec.service.match = [{ uri: { suffix: '.png' } }];
    }),
    path: 'spec.service.match[0].uri.suffix',
    says: 'Gateway API has no suffix match for a path; use exact, prefix or regex',
  },
  {
    rule: 'a Gateway API method match is exact',
    doc: canary((c) => {
      c.spec.provider = 'gatewayapi:v1beta1';
      c.spec.service.gatewayRefs = [{ name: 'gw' }];
      c.spec.service.match = [{ method: { prefix: 'P' } }];
    }),
    path: 'spec.service.match[0].method.prefix',
    says: 'Gateway API has no prefix match for a method; use exact',
  },
  {
    rule: 'a Gateway API header match is exact or regex',
    doc: canary((c) => {
      c.spec.provider = 'gatewayapi:v1';
      c.spec.service.gatewayRefs = [{ name: 'gw' }];
      c.spec.analysis.iterations = 10;
      c.spec.analysis.match = [{ headers: { 'x-canary': { exact: 'insider' } } }, { headers: { 'x-canary': { prefix: 'in' } } }];
    }),
    path: 'spec.analysis.match[1].headers.x-canary.prefix',
    says: 'Gateway API has no prefix match for a header; use exact or regex',
  },
  {
    rule: 'a Gloo header match is exact or regex',
    doc: canary((c) => {
      c.spec.provider = 'gloo';
      c.spec.analysis.iterations = 10;
      c.spec.analysis.match = [{ headers: { 'x-canary': { prefix: 'in' } } }];
    }),
    path: 'spec.analysis.match[0].headers.x-canary.prefix',
    says: 'Gloo has no prefix match for a header; use exact or regex',
  },
  {
    rule: 'a Contour header match is not empty',
    doc: canary((c) => {
      c.spec.provider = 'contour';
      c.spec.analysis.iterations = 10;
      c.spec.analysis.match = [{ headers: { 'x-canary': {} } }];
    }),
    path: 'spec.analysis.match[0].headers.x-canary',
    says: 'is empty: Contour matches a header by exact, prefix, suffix or regex',
  },
  {
    rule: 'mirroring needs a provider that mirrors',
    doc: canary((c) => {
      c.spec.provider = 'kuma';
      c.spec.analysis.mirror = true;
    }),
    path: 'spec.analysis.mirror',
    says: 'provider kuma cannot mirror traffic',
  },
  {
    rule: 'a metric is builtin, a query or a template',
    doc: canary((c) => c.spec.analysis.metrics.push({ name: 'error-budget', thresholdRange: { max: 1 } })),
    path: 'spec.analysis.metrics[1]',
    says: 'has neither query nor templateRef',
  },
  {
    rule: 'thresholdRange min is not above max',
    doc: canary((c) => (c.spec.analysis.metrics[0].thresholdRange = { min: 99, max: 90 })),
    path: 'spec.analysis.metrics[0].thresholdRange',
    says: 'min (99) must not be greater than max (90)',
  },
  {
    rule: 'a metric has a threshold',
    doc: canary((c) => delete c.spec.analysis.metrics[0].thresholdRange),
    path: 'spec.analysis.metrics[0].thresholdRange',
    says: 'needs min or max',
  },
  {
    rule: 'analysis interval is a duration',
    doc: canary((c) => (c.spec.analysis.interval = 'thirty seconds')),
    path: 'spec.analysis.interval',
    says: 'invalid duration "thirty seconds"',
  },
  {
    rule: 'metric interval is a duration',
    doc: canary((c) => (c.spec.analysis.metrics[0].interval = '1 minute')),
    path: 'spec.analysis.metrics[0].interval',
    says: 'invalid duration "1 minute"',
  },
  {
    rule: 'webhook timeout is a duration',
    doc: canary((c) => (c.spec.analysis.webhooks[0].timeout = '5')),
    path: 'spec.analysis.webhooks[0].timeout',
    says: 'invalid duration "5"',
  },
  {
    rule: 'webhook type is known',
    doc: canary((c) => (c.spec.analysis.webhooks[0].type = 'pre-promotion')),
    path: 'spec.analysis.webhooks[0].type',
    says: 'unsupported value "pre-promotion"',
  },
  {
    rule: 'webhook URL is http(s)',
    doc: canary((c) => (c.spec.analysis.webhooks[0].url = 'ftp://loadtester/')),
    path: 'spec.analysis.webhooks[0].url',
    says: 'must be an http(s) URL',
  },
  {
    rule: 'webhook names are unique',
    doc: canary((c) => c.spec.analysis.webhooks.push({ name: 'load-test', url: 'http://x/' })),
    path: 'spec.analysis.webhooks[1].name',
    says: 'duplicate name "load-test"',
  },
  {
    rule: 'gloo-mesh needs routeTableRef',
    doc: canary((c) => (c.spec.provider = 'gloo-mesh')),
    path: 'spec.routeTableRef',
    says: 'is required when provider is gloo-mesh (the delegating RouteTable whose delegate Sluice writes)',
  },
  {
    rule: "gloo-mesh's routeTableRef is in the Canary's namespace",
    doc: canary((c) => {
      c.spec.provider = 'gloo-mesh';
      c.spec.routeTableRef = { name: 'podinfo', namespace: 'gloo-mesh' };
    }),
    path: 'spec.routeTableRef.namespace',
    says: `must be the Canary's namespace`,
  },
  { rule: 'nginx needs ingressRef', doc: canary((c) => (c.spec.provider = 'nginx')), path: 'spec.ingressRef', says: 'is required when provider is nginx' },
  {
    rule: 'gatewayapi needs gatewayRefs',
    doc: canary((c) => (c.spec.provider = 'gatewayapi:v1')),
    path: 'spec.service.gatewayRefs',
    says: 'is required when provider is gatewayapi:v1',
  },
  { rule: 'threshold is at least 1', doc: canary((c) => (c.spec.analysis.threshold = 0)), path: 'spec.analysis.threshold', says: 'must be at least 1, got 0' },
  {
    rule: 'progressDeadlineSeconds is positive',
    doc: canary((c) => (c.spec.progressDeadlineSeconds = -5)),
    path: 'spec.progressDeadlineSeconds',
    says: 'must be greater than 0',
  },
  {
    rule: 'metricsServer is a URL',
    doc: canary((c) => (c.spec.metricsServer = 'prometheus:9090')),
    path: 'spec.metricsServer',
    says: 'must be an http(s) URL',
  },
  { rule: 'unknown fields are reported', doc: canary((c) => (c.spec.analysis.stepweight = 5)), path: 'spec.analysis.stepweight', says: 'unknown field' },
  { rule: 'metadata.name is required', doc: canary((c) => delete c.metadata.name), path: 'metadata.name', says: 'is required' },
  {
    rule: 'alert severity is known',
    doc: canary((c) => (c.spec.analysis.alerts = [{ name: 'a', severity: 'critical', providerRef: { name: 'p' } }])),
    path: 'spec.analysis.alerts[0].severity',
    says: 'unsupported value "critical"',
  },
  { rule: 'MetricTemplate needs a query', doc: template((m) => delete m.spec.query), path: 'spec.query', says: 'is required' },
  {
    rule: 'CloudWatch needs a region',
    doc: template((m) => (m.spec.provider.type = 'cloudwatch')),
    path: 'spec.provider.region',
    says: 'is required for cloudwatch',
  },
  {
    rule: 'a Keptn query names a KeptnMetric or Analysis',
    doc: template((m) => {
      m.spec.provider = { type: 'keptn' };
      m.spec.query = 'keptnmetric/only-namespace';
    }),
    path: 'spec.query',
    says: 'invalid Keptn query',
  },
  {
    rule: 'MetricTemplate provider type is known',
    doc: template((m) => (m.spec.provider.type = 'prom')),
    path: 'spec.provider.type',
    says: 'unknown provider type "prom"',
  },
  {
    rule: 'MetricTemplate address is a URL',
    doc: template((m) => (m.spec.provider.address = 'not a url')),
    path: 'spec.provider.address',
    says: 'must be an http(s) URL',
  },
  { rule: 'AlertProvider type is known', doc: alerts((a) => (a.spec.type = 'pagerduty')), path: 'spec.type', says: 'unsupported value "pagerduty"' },
  {
    rule: 'AlertProvider needs an address or a secret',
    doc: alerts((a) => delete a.spec.address),
    path: 'spec.address',
    says: 'is required unless spec.secretRef',
  },
  { rule: 'AlertProvider proxy is a URL', doc: alerts((a) => (a.spec.proxy = 'proxy:3128')), path: 'spec.proxy', says: 'must be an http(s) URL' },
];

describe('validation rejects invalid documents with the field path', () => {
  it('accepts each base document (so every case below fails for its own reason)', () => {
    for (const doc of [baseCanary(), baseMetricTemplate(), baseAlertProvider()]) {
      expect(validateDocument(doc)).to.deep.equal([]);
    }
  });

  for (const c of CASES) {
    it(`rule: ${c.rule}`, () => {
      const problems = validateDocument(c.doc()) ?? [];
      const lines = problems.map(formatProblem);
      expect(lines, lines.join('\n')).to.satisfy((ls: string[]) => ls.some((l) => l.startsWith(`${c.path}: `) && l.includes(c.says)));
    });
  }

  it('reports every problem of a document at once', () => {
    const doc = baseCanary();
    doc.spec.analysis.stepWeight = 120;
    doc.spec.analysis.interval = 'soon';
    doc.spec.analysis.webhooks[0].url = 'mailto:x';
    const paths = (validateDocument(doc) ?? []).map((p) => p.path);
    expect(paths).to.include.members(['spec.analysis.stepWeight', 'spec.analysis.interval', 'spec.analysis.webhooks[0].url']);
  });

  it('has at least 25 cases, one per rule', () => {
    expect(CASES.length).to.be.at.least(25);
    expect(new Set(CASES.map((c) => c.rule)).size).to.equal(CASES.length);
  });
});

describe('warnings for fields Sluice accepts but does not act on', () => {
  it('sessionAffinity is valid everywhere, and warned about where the provider has no cookie routing', async () => {
    const { canaryWarnings } = await import('../../../src/api/validate.js');
    const doc = (provider?: string) => ({
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'p' },
      spec: {
        ...(provider ? { provider } : {}),
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'p' },
        service: { port: 80 },
        analysis: { stepWeight: 10, sessionAffinity: { cookieName: 'c' } },
      },
    });
    expect(validateDocument(doc('linkerd'))).to.deep.equal([]);
    expect(canaryWarnings(doc('linkerd')).map(formatProblem)).to.deep.equal([
      'spec.analysis.sessionAffinity: is ignored: provider linkerd has no cookie-based routing (Flagger has it for Istio and Gateway API only)',
    ]);
    expect(canaryWarnings(doc('istio'))).to.deep.equal([]);
    expect(canaryWarnings(doc('gatewayapi:v1'))).to.deep.equal([]);
    // Without spec.provider, the operator's default decides.
    expect(canaryWarnings(doc())).to.deep.equal([]);
    expect(canaryWarnings(doc(), 'kuma')).to.have.length(1);
  });
});
