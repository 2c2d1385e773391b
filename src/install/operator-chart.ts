// The operator: replicas behind Lease leader election (a standby serves admission and health,
// only the leader reconciles), probes on /healthz and /readyz, non-root with a read-only root
// filesystem, its Service (webhooks on 443, metrics on 8080) and a PodDisruptionBudget that
// keeps one replica through node drains.
import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { METRICS_PORT, WEBHOOK_PORT, leaseNameOf, operatorLabelsOf, operatorSelectorOf, webhookConfigurationNameOf, webhookSecretNameOf } from './names.js';
import type { EnvVarJson, InstallSettings, Json } from './settings.js';

export { restrictedContainerSecurity } from './settings.js';

const fieldRef = (name: string, fieldPath: string): EnvVarJson => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** Keys whose value is undefined are left out (the object has no such field). */
const defined = (o: Json): Json => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** What the operator reads (src/operator/config.ts): every name it gives an object is the installation's. */
export function operatorEnv(s: InstallSettings): EnvVarJson[] {
  return [
    { name: 'SLUICE_LEADER_ELECT', value: s.leaderElect },
    fieldRef('POD_NAME', 'metadata.name'),
    fieldRef('SLUICE_LEADER_ELECTION_NAMESPACE', 'metadata.namespace'),
    { name: 'SLUICE_LEADER_ELECTION_NAME', value: leaseNameOf(s.name) },
    fieldRef('SLUICE_SERVICE_NAMESPACE', 'metadata.namespace'),
    { name: 'SLUICE_SERVICE_NAME', value: s.name },
    { name: 'SLUICE_WEBHOOK_SECRET_NAME', value: webhookSecretNameOf(s.name) },
    { name: 'SLUICE_WEBHOOK_CONFIGURATION_NAME', value: webhookConfigurationNameOf(s.name) },
    { name: 'SLUICE_PORT', value: String(METRICS_PORT) },
    { name: 'SLUICE_WEBHOOK_PORT', value: String(WEBHOOK_PORT) },
    { name: 'SLUICE_METRICS_SERVER', value: s.metricsServer },
    { name: 'SLUICE_PROVIDER', value: s.provider },
    { name: 'SLUICE_LOG_LEVEL', value: s.logLevel },
    ...s.extraEnv,
  ];
}

/** The operator's container; its env, resources and security context are set on the JSON (see below). */
function operatorContainer(s: InstallSettings): k8s.Container {
  return {
    name: 'sluice',
    image: s.image,
    imagePullPolicy: s.imagePullPolicy,
    args: ['run'],
    ports: [
      { name: 'http-metrics', containerPort: METRICS_PORT, protocol: 'TCP' },
      { name: 'https-webhook', containerPort: WEBHOOK_PORT, protocol: 'TCP' },
    ],
    livenessProbe: {
      httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http-metrics') },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    readinessProbe: {
      httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('http-metrics') },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

export class OperatorChart extends Chart {
  constructor(scope: Construct, id: string, s: InstallSettings) {
    super(scope, id, { namespace: s.namespace });
    const selector = operatorSelectorOf(s.appName, s.instance);
    const labels = operatorLabelsOf(s.appName, s.instance);
    const metadata = { name: s.name, labels };
    // The fixed structure is typed; the installation's settings are set on the JSON afterwards:
    // the typed converters rebuild every object field by field, and would drop the stand-in the
    // Helm chart puts in place of a whole block from its values.
    const deployment = k8s.KubeDeployment.manifest({
      metadata,
      spec: {
        replicas: s.replicas,
        selector: { matchLabels: selector },
        // One replica stops before the next starts: never two operators without an elected leader.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1), maxSurge: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: s.name,
            terminationGracePeriodSeconds: 30,
            containers: [operatorContainer(s)],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
          },
        },
      },
    });
    const template = deployment.spec.template;
    Object.assign(template.metadata, defined({ annotations: s.podAnnotations }));
    Object.assign(
      template.spec,
      defined({
        securityContext: s.podSecurityContext,
        affinity: s.affinity,
        nodeSelector: s.nodeSelector,
        tolerations: s.tolerations,
        imagePullSecrets: s.imagePullSecrets,
      }),
    );
    Object.assign(
      template.spec.containers[0],
      defined({
        env: operatorEnv(s),
        resources: s.resources,
        securityContext: s.containerSecurityContext,
      }),
    );
    new ApiObject(this, 'deployment', deployment);
    new k8s.KubeService(this, 'service', {
      metadata,
      spec: {
        selector,
        ports: [
          { name: 'https-webhook', port: 443, targetPort: k8s.IntOrString.fromString('https-webhook'), protocol: 'TCP' },
          { name: 'http-metrics', port: METRICS_PORT, targetPort: k8s.IntOrString.fromString('http-metrics'), protocol: 'TCP' },
        ],
      },
    });
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata,
      spec: { minAvailable: k8s.IntOrString.fromNumber(s.minAvailable), selector: { matchLabels: selector } },
    });
  }
}
