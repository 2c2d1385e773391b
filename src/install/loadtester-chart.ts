// The load tester, named like Flagger's (`flagger-loadtester`), so the seeds' webhook URL
// `http://flagger-loadtester.<namespace>/` works once it is applied in that namespace. No
// namespace here: `kubectl apply -k manifests/loadtester -n test`. Shell commands are off; turn
// them on with SLUICE_LOADTESTER_ALLOW_SHELL=true only where every caller is trusted.
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { LOADTESTER_NAME, LOADTESTER_PORT, SLUICE_IMAGE, commonLabels } from './names.js';
import { restrictedContainerSecurity } from './settings.js';

const q = (v: string) => k8s.Quantity.fromString(v);

export class LoadTesterChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    const selector = { app: LOADTESTER_NAME };
    const labels = { ...selector, ...commonLabels, 'app.kubernetes.io/name': LOADTESTER_NAME, 'app.kubernetes.io/component': 'loadtester' };
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: LOADTESTER_NAME, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(LOADTESTER_PORT) } },
          spec: {
            // It calls no Kubernetes API unless a shell command does (kubectl/helm tasks): no token by default.
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'loadtester',
                image: SLUICE_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                args: ['loadtester', '--port', String(LOADTESTER_PORT), '--timeout', '1h'],
                ports: [{ name: 'http', containerPort: LOADTESTER_PORT, protocol: 'TCP' }],
                env: [
                  { name: 'SLUICE_LOADTESTER_ALLOW_SHELL', value: 'false' },
                  { name: 'SLUICE_LOG_LEVEL', value: 'info' },
                ],
                livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') }, periodSeconds: 10, timeoutSeconds: 2 },
                readinessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') }, periodSeconds: 5, timeoutSeconds: 2 },
                resources: { requests: { cpu: q('50m'), memory: q('96Mi') }, limits: { cpu: q('1'), memory: q('512Mi') } },
                securityContext: restrictedContainerSecurity,
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: q('64Mi') } }],
          },
        },
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: { name: LOADTESTER_NAME, labels },
      spec: {
        selector,
        ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
  }
}
