// Operator settings: flags first, then environment variables, then defaults. Every setting is
// listed in the README's Configuration table.
import { hostname } from 'node:os';
import { WEBHOOK_CONFIGURATION_NAME } from '../admission/registration.js';

export interface OperatorConfig {
  kubeconfig?: string;
  metricsServer: string;
  provider: string;
  namespace?: string;
  clusterName: string;
  logLevel: string;
  /** /metrics, /healthz, /readyz */
  port: number;
  /** HTTPS admission webhooks; 0 picks a free port (outside a cluster). */
  webhookPort: number;
  webhooks: boolean;
  /** Where the webhook configurations point: a loopback URL outside a cluster, else the Service. */
  webhookService?: { namespace: string; name: string; port: number };
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Secret in the Service's namespace that holds the certificate every replica serves (in a cluster). */
  webhookSecretName: string;
  /** Name of both webhook configurations; each installation (Helm release) has its own. */
  webhookConfigurationName: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  /** The Lease the replicas elect a leader on. */
  leaderElectionName: string;
  leaseDurationMs: number;
  identity: string;
  concurrency: number;
  slackUrl?: string;
  msteamsUrl?: string;
  eventWebhook?: string;
}

const env = process.env;
const num = (v: string | undefined, d: number) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
const bool = (v: string | undefined, d: boolean) => (v === undefined || v === '' ? d : ['1', 'true', 'yes'].includes(v.toLowerCase()));

export function defaultConfig(): OperatorConfig {
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
  return {
    ...(env.KUBECONFIG ? { kubeconfig: env.KUBECONFIG } : {}),
    metricsServer: env.SLUICE_METRICS_SERVER ?? env.PROMETHEUS_URL ?? 'http://prometheus:9090',
    provider: env.SLUICE_PROVIDER ?? 'istio',
    ...(env.SLUICE_NAMESPACE ? { namespace: env.SLUICE_NAMESPACE } : {}),
    clusterName: env.SLUICE_CLUSTER_NAME ?? '',
    logLevel: env.SLUICE_LOG_LEVEL ?? 'info',
    port: num(env.SLUICE_PORT, 8080),
    webhookPort: num(env.SLUICE_WEBHOOK_PORT, inCluster ? 9443 : 0),
    webhooks: bool(env.SLUICE_WEBHOOKS, true),
    ...(inCluster ? { webhookService: { namespace: env.SLUICE_SERVICE_NAMESPACE ?? 'sluice-system', name: env.SLUICE_SERVICE_NAME ?? 'sluice', port: 443 } } : {}),
    ...(env.SLUICE_TLS_CERT_FILE ? { tlsCertFile: env.SLUICE_TLS_CERT_FILE } : {}),
    ...(env.SLUICE_TLS_KEY_FILE ? { tlsKeyFile: env.SLUICE_TLS_KEY_FILE } : {}),
    webhookSecretName: env.SLUICE_WEBHOOK_SECRET_NAME || `${env.SLUICE_SERVICE_NAME ?? 'sluice'}-webhook-tls`,
    webhookConfigurationName: env.SLUICE_WEBHOOK_CONFIGURATION_NAME || WEBHOOK_CONFIGURATION_NAME,
    leaderElect: bool(env.SLUICE_LEADER_ELECT, false),
    leaderElectionNamespace: env.SLUICE_LEADER_ELECTION_NAMESPACE ?? (inCluster ? 'sluice-system' : 'default'),
    leaderElectionName: env.SLUICE_LEADER_ELECTION_NAME || 'sluice-leader-election',
    leaseDurationMs: num(env.SLUICE_LEASE_DURATION_MS, 15_000),
    identity: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    concurrency: num(env.SLUICE_CONCURRENCY, 16),
    ...(env.SLACK_URL ? { slackUrl: env.SLACK_URL } : {}),
    ...(env.MSTEAMS_URL ? { msteamsUrl: env.MSTEAMS_URL } : {}),
    ...(env.EVENT_WEBHOOK_URL ? { eventWebhook: env.EVENT_WEBHOOK_URL } : {}),
  };
}
