// Validation bounds what one Canary may ask for, naming the field: counts of metrics, webhooks and
// alerts, webhook timeouts and retries, threshold, iterations, stepWeights. The CRDs carry the
// same counts (maxItems, maximum), so the apiserver refuses them too.
import { expect } from 'chai';
import { validateDocument } from '../../../src/api/validate.js';
import { flaggerCrds } from '../../../src/api/crds.js';
import { CANARY_LIMITS, MAX_WEBHOOK_TIMEOUT_MS } from '../../../src/api/limits.js';
import type { Problem } from '../../../src/api/problem.js';

type Doc = Record<string, any>;

function canary(edit: (analysis: Doc) => void): Doc {
  const analysis: Doc = {
    interval: '30s',
    threshold: 5,
    maxWeight: 50,
    stepWeight: 5,
    metrics: [{ name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' }],
    webhooks: [{ name: 'load-test', url: 'http://flagger-loadtester.test/', timeout: '5s' }],
  };
  edit(analysis);
  return {
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'podinfo', namespace: 'test' },
    spec: { provider: 'istio', targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' }, service: { port: 9898 }, analysis },
  };
}

const problems = (doc: Doc): Problem[] => validateDocument(doc) ?? [];
const metric = (i: number) => ({ name: `m${i}`, query: 'vector(1)', thresholdRange: { max: 1 } });
const webhook = (i: number) => ({ name: `w${i}`, url: 'http://loadtester/' });

describe('validation limits', () => {
  it('the limits as documented', () => {
    expect(CANARY_LIMITS).to.deep.include({ metrics: 20, webhooks: 20, alerts: 20, webhookRetries: 10, threshold: 1000, iterations: 1000, stepWeights: 100 });
    expect(MAX_WEBHOOK_TIMEOUT_MS).to.equal(300_000);
  });

  it('accepts exactly the limits', () => {
    expect(
      problems(
        canary((a) => {
          a.metrics = Array.from({ length: 20 }, (_, i) => metric(i));
          a.webhooks = Array.from({ length: 20 }, (_, i) => ({ ...webhook(i), timeout: '5m', retries: 10 }));
          a.threshold = 1000;
        }),
      ),
    ).to.deep.equal([]);
  });

  const cases: [string, (a: Doc) => void, Problem][] = [
    [
      '21 metrics',
      (a) => {
        a.metrics = Array.from({ length: 21 }, (_, i) => metric(i));
      },
      { path: 'spec.analysis.metrics', message: 'must have at most 20 items, got 21' },
    ],
    [
      '21 webhooks',
      (a) => {
        a.webhooks = Array.from({ length: 21 }, (_, i) => webhook(i));
      },
      { path: 'spec.analysis.webhooks', message: 'must have at most 20 items, got 21' },
    ],
    [
      '21 alerts',
      (a) => {
        a.alerts = Array.from({ length: 21 }, (_, i) => ({ name: `a${i}`, providerRef: { name: 'p' } }));
      },
      { path: 'spec.analysis.alerts', message: 'must have at most 20 items, got 21' },
    ],
    [
      'a webhook timeout of 720h',
      (a) => {
        a.webhooks[0].timeout = '720h';
      },
      { path: 'spec.analysis.webhooks[0].timeout', message: 'must be at most 5m0s, got "720h"' },
    ],
    [
      '1e8 retries',
      (a) => {
        a.webhooks[0].retries = 1e8;
      },
      { path: 'spec.analysis.webhooks[0].retries', message: 'must be at most 10, got 100000000' },
    ],
    [
      'threshold 1001',
      (a) => {
        a.threshold = 1001;
      },
      { path: 'spec.analysis.threshold', message: 'must be at most 1000, got 1001' },
    ],
    [
      'iterations 1001',
      (a) => {
        delete a.stepWeight;
        a.iterations = 1001;
      },
      { path: 'spec.analysis.iterations', message: 'must be at most 1000, got 1001' },
    ],
    [
      '101 stepWeights',
      (a) => {
        delete a.stepWeight;
        a.stepWeights = Array.from({ length: 101 }, (_, i) => i + 1);
      },
      { path: 'spec.analysis.stepWeights', message: 'must have at most 100 items, got 101' },
    ],
  ];
  for (const [what, edit, expected] of cases) {
    it(`refuses ${what}, naming the field`, () => {
      expect(problems(canary(edit))).to.deep.include(expected);
    });
  }

  // Speed belongs to benchmarks, not tests: this holds the answer (one problem per list, not one
  // per item), which is what kept the work bounded.
  it('15,000 metrics and 3,000 webhooks are one problem each', () => {
    const found = problems(
      canary((a) => {
        a.metrics = Array.from({ length: 15_000 }, (_, i) => metric(i));
        a.webhooks = Array.from({ length: 3_000 }, (_, i) => webhook(i));
      }),
    );
    expect(found).to.deep.equal([
      { path: 'spec.analysis.metrics', message: 'must have at most 20 items, got 15000' },
      { path: 'spec.analysis.webhooks', message: 'must have at most 20 items, got 3000' },
    ]);
  });

  it('the Canary CRD carries the counts and maxima', () => {
    const schema = (flaggerCrds()['canary.yaml'].spec as any).versions[0].schema.openAPIV3Schema;
    const analysis = schema.properties.spec.properties.analysis.properties;
    expect(analysis.metrics.maxItems).to.equal(20);
    expect(analysis.webhooks.maxItems).to.equal(20);
    expect(analysis.alerts.maxItems).to.equal(20);
    expect(analysis.stepWeights.maxItems).to.equal(100);
    expect(analysis.threshold.maximum).to.equal(1000);
    expect(analysis.iterations.maximum).to.equal(1000);
    expect(analysis.webhooks.items.properties.retries).to.deep.include({ minimum: 0, maximum: 10 });
  });
});
