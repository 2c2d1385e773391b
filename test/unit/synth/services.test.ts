import { expect } from 'chai';
import { synthesizeCanary } from '../../../src/synth/canary-chart.js';
import type { JsonObject } from '../../../src/synth/kube-json.js';
import { FLUX, inputOf, podinfoCanary, podinfoDeployment } from './inputs.js';

describe('synth: Services', () => {
  it("makes <apex>-canary, <apex>-primary and <apex> (apply order) with Flagger's selectors, labels and Flux annotations", () => {
    const out = synthesizeCanary(inputOf(podinfoCanary({ service: { port: 80, targetPort: 'http' } })));
    const { canary, primary, apex } = out.byRole.services as Record<string, JsonObject>;
    expect(out.objects.filter((o) => o.kind === 'Service').map((s) => s.metadata.name)).to.deep.equal(['podinfo-canary', 'podinfo-primary', 'podinfo']);
    expect(canary.spec.selector).to.deep.equal({ app: 'podinfo' });
    expect(primary.spec.selector).to.deep.equal({ app: 'podinfo-primary' });
    expect(apex.spec.selector).to.deep.equal({ app: 'podinfo-primary' });
    for (const svc of [canary, primary, apex]) {
      expect(svc.metadata.labels).to.deep.equal({ app: svc.metadata.name });
      expect(svc.metadata.annotations).to.deep.equal(FLUX);
      expect(svc.spec.type).to.equal('ClusterIP');
      expect(svc.spec.ports).to.deep.equal([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }]);
    }
  });

  it('honours service.name, portName, appProtocol, headless and trafficDistribution', () => {
    const out = synthesizeCanary(
      inputOf(
        podinfoCanary({ service: { name: 'frontend', port: 9898, portName: 'grpc', appProtocol: 'grpc', headless: true, trafficDistribution: 'PreferClose' } }),
      ),
    );
    const apex = out.byRole.services!.apex as JsonObject;
    expect(apex.metadata.name).to.equal('frontend');
    expect(out.byRole.services!.canary.metadata.name).to.equal('frontend-canary');
    expect(apex.spec).to.deep.include({ clusterIP: 'None', trafficDistribution: 'PreferClose' });
    expect(apex.spec.ports).to.deep.equal([{ name: 'grpc', port: 9898, protocol: 'TCP', targetPort: 9898, appProtocol: 'grpc' }]);
    // The selector stays the target's label value: Services select pods, not Services.
    expect(apex.spec.selector).to.deep.equal({ app: 'podinfo-primary' });
  });

  it('adds custom apex/primary/canary metadata, minus unmanaged keys and foreign ones', () => {
    const out = synthesizeCanary(
      inputOf(
        podinfoCanary({
          service: {
            port: 9898,
            apex: { labels: { team: 'web' }, annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'x', a: '1' } },
            primary: { annotations: { 'external-dns/hostname': 'p.example.com' } },
            canary: { labels: { track: 'canary' } },
            unmanagedMetadata: { annotations: ['helm.toolkit.fluxcd.io/driftDetection'] },
          },
        }),
      ),
    );
    const { apex, primary, canary } = out.byRole.services as Required<NonNullable<typeof out.byRole.services>>;
    expect(apex.metadata.labels).to.deep.equal({ team: 'web', app: 'podinfo' });
    expect(apex.metadata.annotations).to.deep.equal({ a: '1', 'kustomize.toolkit.fluxcd.io/reconcile': 'disabled' });
    expect(primary.metadata.annotations).to.have.property('external-dns/hostname', 'p.example.com');
    expect(canary.metadata.labels).to.deep.equal({ track: 'canary', app: 'podinfo-canary' });
  });

  it("portDiscovery adds the other container ports, not the proxies', named as Flagger names them", () => {
    const target = podinfoDeployment();
    target.spec.template.spec!.containers = [
      { name: 'podinfod', ports: [{ name: 'http', containerPort: 9898 }, { name: 'metrics', containerPort: 9797 }, { containerPort: 9999 }] },
      { name: 'istio-proxy', ports: [{ name: 'http-envoy-prom', containerPort: 15090 }] },
      { name: 'sidecar', ports: [{ containerPort: 8080 }] },
    ];
    const out = synthesizeCanary(inputOf(podinfoCanary({ service: { port: 9898, portDiscovery: true } }), target));
    const ports = (out.byRole.services!.apex!.spec as JsonObject).ports.map((p: JsonObject) => `${p.name}:${p.port}->${p.targetPort}`);
    expect(ports).to.deep.equal(['http:9898->9898', 'metrics:9797->9797', 'tcp-podinfod-2:9999->9999', 'tcp-sidecar-0:8080->8080']);
  });

  it('portDiscovery keeps the ports in the order the pod template declares them, not by name', () => {
    const target = podinfoDeployment();
    target.spec.template.spec!.containers = [
      {
        name: 'podinfod',
        ports: [
          { name: 'zipkin', containerPort: 9411 },
          { name: 'http', containerPort: 9898 },
          { name: 'admin', containerPort: 9000 },
        ],
      },
      {
        name: 'agent',
        ports: [
          { name: 'otlp', containerPort: 4317 },
          { name: 'grpc', containerPort: 9999 },
        ],
      },
    ];
    const out = synthesizeCanary(inputOf(podinfoCanary({ service: { port: 9898, portDiscovery: true } }), target));
    for (const service of Object.values(out.byRole.services!)) {
      expect((service.spec as JsonObject).ports.map((p: JsonObject) => p.name)).to.deep.equal(['http', 'zipkin', 'admin', 'otlp', 'grpc']);
    }
  });
});

describe('synth: primary HorizontalPodAutoscaler', () => {
  const canary = podinfoCanary({ autoscalerRef: { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', name: 'podinfo' } });
  const scaleTargetRef = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'podinfo' };
  const hpaOf = (apiVersion: string, spec: JsonObject) => ({
    apiVersion,
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'podinfo', namespace: 'test', labels: { app: 'podinfo' } },
    spec: { scaleTargetRef, ...spec } as any,
  });
  const primaryHpa = (hpa: ReturnType<typeof hpaOf>, c = canary) => synthesizeCanary(inputOf(c, podinfoDeployment(), { hpa })).byRole.hpa as JsonObject;

  it('reads an autoscaling/v2beta2 HPA and writes <hpa>-primary as autoscaling/v2 scaling the primary', () => {
    const metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 99 } } }];
    const behavior = { scaleDown: { stabilizationWindowSeconds: 60 } };
    const hpa = primaryHpa(hpaOf('autoscaling/v2beta2', { minReplicas: 2, maxReplicas: 4, metrics, behavior }));
    expect(hpa).to.deep.equal({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'podinfo-primary', namespace: 'test' },
      spec: { minReplicas: 2, maxReplicas: 4, metrics, behavior, scaleTargetRef: { ...scaleTargetRef, name: 'podinfo-primary' } },
    });
  });

  it('converts autoscaling/v1 and autoscaling/v2beta1 targets to the v2 shape', () => {
    expect(primaryHpa(hpaOf('autoscaling/v1', { maxReplicas: 3, targetCPUUtilizationPercentage: 80 })).spec.metrics).to.deep.equal([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
    ]);
    const v2beta1 = hpaOf('autoscaling/v2beta1', {
      maxReplicas: 3,
      metrics: [
        { type: 'Resource', resource: { name: 'memory', targetAverageValue: '200Mi' } },
        { type: 'Pods', pods: { metricName: 'rps', targetAverageValue: '10' } },
        { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'jobs' } }, targetValue: '30' } },
      ],
    });
    expect(primaryHpa(v2beta1).spec.metrics).to.deep.equal([
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } } },
      { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
      { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'Value', value: '30' } } },
    ]);
  });

  it("copies the HPA's labels and annotations under -include-label-prefix, as the primary Deployment's", () => {
    const hpa = hpaOf('autoscaling/v2', { maxReplicas: 4 });
    hpa.metadata = {
      ...hpa.metadata,
      labels: { app: 'podinfo', 'app.kubernetes.io/name': 'podinfo' },
      annotations: { 'app.kubernetes.io/owner': 'x', note: 'y' },
    } as typeof hpa.metadata;
    const out = synthesizeCanary({ ...inputOf(canary, podinfoDeployment(), { hpa }), includeLabelPrefixes: ['app.kubernetes.io'] });
    expect((out.byRole.hpa as JsonObject).metadata).to.deep.include({
      labels: { 'app.kubernetes.io/name': 'podinfo' },
      annotations: { 'app.kubernetes.io/owner': 'x' },
    });
  });

  it('applies primaryScalerReplicas', () => {
    const c = podinfoCanary({
      autoscalerRef: {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        name: 'podinfo',
        primaryScalerReplicas: { minReplicas: 3, maxReplicas: 9 },
      },
    });
    expect(primaryHpa(hpaOf('autoscaling/v2', { minReplicas: 1, maxReplicas: 4 }), c).spec).to.include({ minReplicas: 3, maxReplicas: 9 });
  });
});
