import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { canonicalJson, canonicalTemplate, pullPolicyDefault, templateRevision } from '../../../src/rollout/revision.js';

type Obj = Record<string, any>;
const fixture = (name: string): Obj => JSON.parse(readFileSync(new URL(`../../fixtures/admission/${name}`, import.meta.url), 'utf8'));
/** The stored (apiserver-defaulted) podinfo pod template of the fixtures. */
const stored = (): Obj => structuredClone(fixture('deployment-image-change.json').request.oldObject.spec.template);

/** The same template as a user writes it: no defaulted fields at all. */
function asWritten(): Obj {
  const t = stored();
  delete t.metadata.creationTimestamp;
  const spec = t.spec;
  for (const k of ['restartPolicy', 'terminationGracePeriodSeconds', 'dnsPolicy', 'securityContext', 'schedulerName']) delete spec[k];
  const c = spec.containers[0];
  for (const k of ['terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy']) delete c[k];
  for (const p of c.ports) delete p.protocol;
  for (const probe of [c.livenessProbe, c.readinessProbe]) for (const k of ['periodSeconds', 'successThreshold', 'failureThreshold']) delete probe[k];
  return t;
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  return value;
}

describe('templateRevision', () => {
  it('is 16 lower-case hex characters', () => {
    expect(templateRevision(stored())).to.match(/^[0-9a-f]{16}$/);
  });

  it('is pinned for known templates: changing the canonical form would restart every Canary after an upgrade', () => {
    expect(templateRevision({ spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } })).to.equal('fdcba6d64b8035b9');
    expect(templateRevision(stored())).to.equal('b69583d292493907');
  });

  it('ignores key order at every level', () => {
    expect(templateRevision(reverseKeys(stored()))).to.equal(templateRevision(stored()));
  });

  it('treats every apiserver default as absent (a defaulted template hashes like the written one)', () => {
    expect(templateRevision(stored())).to.equal(templateRevision(asWritten()));
  });

  it('treats empty objects, empty arrays and nulls as absent', () => {
    const t = asWritten();
    t.spec.containers[0].args = [];
    t.spec.containers[0].securityContext = {};
    t.spec.volumes = [];
    t.spec.nodeSelector = null;
    t.metadata.annotations = { ...t.metadata.annotations };
    t.spec.tolerations = [];
    expect(templateRevision(t)).to.equal(templateRevision(asWritten()));
  });

  it('covers defaults of probes, lifecycle hooks, env field refs, volumes and the serviceAccount alias', () => {
    const written: Obj = {
      spec: {
        serviceAccountName: 'podinfo',
        containers: [
          {
            name: 'app',
            image: 'app:1.0',
            startupProbe: { httpGet: { path: '/healthz', port: 8080 } },
            lifecycle: { preStop: { httpGet: { path: '/stop', port: 8080 } } },
            env: [
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
            ],
          },
        ],
        initContainers: [{ name: 'init', image: 'busybox' }],
        volumes: [
          { name: 'config', configMap: { name: 'podinfo' } },
          { name: 'tmp', hostPath: { path: '/tmp' } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
    };
    const defaulted = structuredClone(written);
    defaulted.spec.serviceAccount = 'podinfo';
    defaulted.spec.enableServiceLinks = true;
    const c = defaulted.spec.containers[0];
    Object.assign(c.startupProbe, { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    c.startupProbe.httpGet.scheme = 'HTTP';
    c.lifecycle.preStop.httpGet.scheme = 'HTTP';
    c.env[0].valueFrom.fieldRef.apiVersion = 'v1';
    c.env[1].valueFrom.resourceFieldRef.divisor = '0';
    c.imagePullPolicy = 'IfNotPresent';
    Object.assign(defaulted.spec.initContainers[0], {
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
    defaulted.spec.volumes[0].configMap.defaultMode = 420;
    defaulted.spec.volumes[1].hostPath.type = '';
    defaulted.spec.volumes[2] = { name: 'scratch' };
    expect(templateRevision(defaulted)).to.equal(templateRevision(written));
  });

  it('keeps a field set to something other than its default', () => {
    const t = asWritten();
    t.spec.terminationGracePeriodSeconds = 60;
    expect(templateRevision(t)).to.not.equal(templateRevision(asWritten()));
    const p = asWritten();
    p.spec.containers[0].imagePullPolicy = 'Always';
    expect(templateRevision(p)).to.not.equal(templateRevision(asWritten()));
    const u = asWritten();
    u.spec.containers[0].ports[0].protocol = 'UDP';
    expect(templateRevision(u)).to.not.equal(templateRevision(asWritten()));
  });

  it('detects an image change', () => {
    const t = stored();
    t.spec.containers[0].image = 'ghcr.io/stefanprodan/podinfo:6.0.1';
    expect(templateRevision(t)).to.not.equal(templateRevision(stored()));
  });

  it('detects env changes: a new variable, a changed value, and reordering', () => {
    const base = templateRevision(stored());
    const added = stored();
    added.spec.containers[0].env.push({ name: 'PODINFO_UI_MESSAGE', value: 'hello' });
    const changed = stored();
    changed.spec.containers[0].env[0].value = '#ffffff';
    const reordered = stored();
    reordered.spec.containers[0].env.push({ name: 'A', value: '1' });
    const reordered2 = structuredClone(reordered);
    reordered2.spec.containers[0].env.reverse();
    const revisions = [base, templateRevision(added), templateRevision(changed), templateRevision(reordered), templateRevision(reordered2)];
    expect(new Set(revisions).size).to.equal(revisions.length);
  });

  it('detects pod template annotation and label changes (kubectl rollout restart)', () => {
    const restarted = stored();
    restarted.metadata.annotations['kubectl.kubernetes.io/restartedAt'] = '2026-11-21T23:10:00Z';
    expect(templateRevision(restarted)).to.not.equal(templateRevision(stored()));
    const relabelled = stored();
    relabelled.metadata.labels.version = 'v2';
    expect(templateRevision(relabelled)).to.not.equal(templateRevision(stored()));
  });

  it('keeps an explicit empty string value (env value "" is not the same as no env var)', () => {
    const t = stored();
    t.spec.containers[0].env.push({ name: 'EMPTY', value: '' });
    expect(templateRevision(t)).to.not.equal(templateRevision(stored()));
  });

  it('hashes class instances and Dates like the JSON the API would send', () => {
    class Meta {
      labels = { app: 'podinfo' };
      creationTimestamp = null;
    }
    expect(templateRevision({ metadata: new Meta(), spec: { containers: [{ name: 'a', image: 'a:1' }] } })).to.equal(
      templateRevision({ metadata: { labels: { app: 'podinfo' } }, spec: { containers: [{ name: 'a', image: 'a:1' }] } }),
    );
  });

  it('accepts absent or odd input without throwing', () => {
    expect(templateRevision(undefined)).to.equal(templateRevision(null));
    expect(templateRevision({})).to.equal(templateRevision(null));
    expect(templateRevision('x')).to.match(/^[0-9a-f]{16}$/);
  });

  it('does not modify its input', () => {
    const t = stored();
    const before = JSON.stringify(t);
    templateRevision(t);
    expect(JSON.stringify(t)).to.equal(before);
  });
});

describe('canonical form', () => {
  it('sorts keys in canonicalJson', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 'x' } })).to.equal('{"a":{"c":"x","d":[2,{"y":2,"z":1}]},"b":1}');
  });

  it('drops defaults from the stored podinfo template', () => {
    const c = canonicalTemplate(stored()) as Obj;
    expect(c.spec).to.not.have.any.keys('restartPolicy', 'dnsPolicy', 'schedulerName', 'securityContext', 'terminationGracePeriodSeconds');
    expect(c.spec.containers[0]).to.not.have.any.keys('terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy');
    expect(c.spec.containers[0].ports[0]).to.deep.equal({ name: 'http', containerPort: 9898 });
    expect(c.metadata).to.not.have.key('creationTimestamp');
  });

  it('knows the imagePullPolicy default of each image reference', () => {
    expect(pullPolicyDefault('nginx')).to.equal('Always');
    expect(pullPolicyDefault('nginx:latest')).to.equal('Always');
    expect(pullPolicyDefault('nginx:1.27')).to.equal('IfNotPresent');
    expect(pullPolicyDefault('registry:5000/team/app')).to.equal('Always');
    expect(pullPolicyDefault('registry:5000/team/app:2')).to.equal('IfNotPresent');
    expect(pullPolicyDefault('app@sha256:0123abcd')).to.equal('IfNotPresent');
  });
});
