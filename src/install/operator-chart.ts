// The operator: two replicas behind Lease leader election (the standby serves admission and
// health, only the leader reconciles), probes on /healthz and /readyz, non-root with a
// read-only root filesystem, its Service (webhooks on 443, metrics on 8080) and a
// PodDisruptionBudget that keeps one replica through node drains.
import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import {
  METRICS_PORT, SLUICE_IMAGE, SLUICE_NAME, SLUICE_NAMESPACE, WEBHOOK_PORT, operatorLabels, operatorSelector,
} from './names.js';

const q = (v: string) => k8s.Quantity.fromString(v);
const fieldRef = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** Non-root, nothing writable but /tmp, no privileges: shared with the load tester. */
export const restrictedContainerSecurity: k8s.SecurityContext = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export class OperatorChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: SLUICE_NAMESPACE });
    const metadata = { name: SLUICE_NAME, labels: { ...operatorLabels } };
    new k8s.KubeDeployment(this, 'deployment', {
      metadata,
      spec: {
        replicas: 2,
        selector: { matchLabels: { ...operatorSelector } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1), maxSurge: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels: { ...operatorLabels }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(METRICS_PORT) } },
          spec: {
            serviceAccountName: SLUICE_NAME,
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            terminationGracePeriodSeconds: 30,
            // Replicas on different nodes, so one node going away leaves a leader candidate.
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{
                  weight: 100,
                  podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...operatorSelector } } },
                }],
              },
            },
            containers: [{
              name: 'sluice',
              image: SLUICE_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              args: ['run'],
              ports: [
                { name: 'http-metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
                { name: 'https-webhook', containerPort: WEBHOOK_PORT, protocol: 'TCP' },
              ],
              env: [
                { name: 'SLUICE_LEADER_ELECT', value: 'true' },
                fieldRef('POD_NAME', 'metadata.name'),
                fieldRef('SLUICE_LEADER_ELECTION_NAMESPACE', 'metadata.namespace'),
                fieldRef('SLUICE_SERVICE_NAMESPACE', 'metadata.namespace'),
                { name: 'SLUICE_SERVICE_NAME', value: SLUICE_NAME },
                { name: 'SLUICE_PORT', value: String(METRICS_PORT) },
                { name: 'SLUICE_WEBHOOK_PORT', value: String(WEBHOOK_PORT) },
                { name: 'SLUICE_METRICS_SERVER', value: 'http://prometheus:9090' },
                { name: 'SLUICE_PROVIDER', value: 'istio' },
                { name: 'SLUICE_LOG_LEVEL', value: 'info' },
              ],
              livenessProbe: {
                httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http-metrics') },
                initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3,
              },
              readinessProbe: {
                httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('http-metrics') },
                periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3,
              },
              resources: {
                requests: { cpu: q('100m'), memory: q('192Mi') },
                limits: { cpu: q('1'), memory: q('512Mi') },
              },
              securityContext: restrictedContainerSecurity,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: q('64Mi') } }],
          },
        },
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        selector: { ...operatorSelector },
        ports: [
          { name: 'https-webhook', port: 443, targetPort: k8s.IntOrString.fromString('https-webhook'), protocol: 'TCP' },
          { name: 'http-metrics', port: METRICS_PORT, targetPort: k8s.IntOrString.fromString('http-metrics'), protocol: 'TCP' },
        ],
      },
    });
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata,
      spec: { minAvailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...operatorSelector } } },
    });
  }
}
