// Operator settings: flags first, then environment variables, then defaults. Every setting is
// listed in the README's Configuration table; Flagger's flags set the same variables
// (flagger-flags.ts, docs/flagger-flags.md).
import { hostname } from 'node:os';
import { WEBHOOK_CONFIGURATION_NAME } from '../admission/registration.js';
import { retiredProviderReason } from '../api/providers.js';
import { pinoLevel } from '../log.js';
import type { GlobalNotifierConfig } from '../notify/index.js';
import { commaList, DEFAULT_SYNTH_SETTINGS, type SynthSettings } from '../synth/operator-settings.js';

export interface OperatorConfig {
  kubeconfig?: string;
  /** Flagger's -master: the apiserver URL, over the kubeconfig's. */
  masterUrl?: string;
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
  /** The CA of the mounted certificate (cert-manager's ca.crt): the webhooks' caBundle. */
  tlsCaFile?: string;
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
  /** The global Slack / Teams notifier, for Canaries without analysis.alerts. */
  notifier: GlobalNotifierConfig;
  /** Flagger's -event-webhook: every Event of a Canary without an `event` webhook is posted here. */
  eventWebhook?: string;
  /** Flagger's -selector-labels, -include-label-prefix, -ingress-annotations-prefix, -ingress-class. */
  synth: SynthSettings;
  /** Flagger's -enable-config-tracking. */
  configTracking: boolean;
  /** Flagger's -no-cross-namespace-refs. */
  noCrossNamespaceRefs: boolean;
  /** The read-only rollout page (Sluice's own; off unless a port is set). */
  dashboard?: { port: number; address: string };
}

const num = (v: string | undefined, d: number) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
const bool = (v: string | undefined, d: boolean) => (v === undefined || v === '' ? d : ['1', 't', 'true', 'yes'].includes(v.toLowerCase()));
const ifSet = <K extends string>(key: K, value: string | undefined): { [k in K]?: string } => (value ? { [key]: value } : {}) as { [k in K]?: string };

function logLevelOf(text: string): string {
  const level = pinoLevel(text);
  if (!level) throw new Error(`log level ${JSON.stringify(text)} is not one of debug, info, warning, error`);
  return level;
}

function namespaceOf(text: string | undefined): { namespace?: string } {
  if (!text) return {};
  // Flagger 1.44 watches one namespace too; a list would otherwise be taken as one odd name.
  if (text.includes(',')) throw new Error(`SLUICE_NAMESPACE (-namespace) names one namespace, got ${JSON.stringify(text)}`);
  return { namespace: text.trim() };
}

function selectorLabelsOf(text: string | undefined): readonly string[] {
  if (text === undefined || text === '') return DEFAULT_SYNTH_SETTINGS.selectorLabels;
  const labels = commaList(text);
  // As Flagger: without one, no primary could be told from its canary.
  if (!labels.length) throw new Error(`SLUICE_SELECTOR_LABELS (-selector-labels) needs at least one label, got ${JSON.stringify(text)}`);
  return labels;
}

function dashboardOf(port: string | undefined, address: string | undefined): { dashboard?: { port: number; address: string } } {
  if (port === undefined || port === '') return {};
  const n = Number(port);
  if (!/^\d+$/.test(port.trim()) || n > 65535) throw new Error(`SLUICE_DASHBOARD_PORT (--dashboard-port) must be a port number, got ${JSON.stringify(port)}`);
  return { dashboard: { port: n, address: address || '127.0.0.1' } };
}

function providerOf(name: string): string {
  const retired = retiredProviderReason(name);
  if (retired) throw new Error(`SLUICE_PROVIDER (-mesh-provider) ${JSON.stringify(name)} is refused: ${retired}`);
  return name;
}

type WebhookSettings = Pick<
  OperatorConfig,
  'webhookPort' | 'webhooks' | 'webhookService' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsCaFile' | 'webhookSecretName' | 'webhookConfigurationName'
>;

/** Where the admission webhooks listen, the certificate they serve and how they are registered. */
function webhookSettingsOf(env: NodeJS.ProcessEnv, inCluster: boolean): WebhookSettings {
  return {
    webhookPort: num(env.SLUICE_WEBHOOK_PORT, inCluster ? 9443 : 0),
    webhooks: bool(env.SLUICE_WEBHOOKS, true),
    ...(inCluster
      ? { webhookService: { namespace: env.SLUICE_SERVICE_NAMESPACE ?? 'sluice-system', name: env.SLUICE_SERVICE_NAME ?? 'sluice', port: 443 } }
      : {}),
    ...(env.SLUICE_TLS_CERT_FILE ? { tlsCertFile: env.SLUICE_TLS_CERT_FILE } : {}),
    ...(env.SLUICE_TLS_KEY_FILE ? { tlsKeyFile: env.SLUICE_TLS_KEY_FILE } : {}),
    ...(env.SLUICE_TLS_CA_FILE ? { tlsCaFile: env.SLUICE_TLS_CA_FILE } : {}),
    webhookSecretName: env.SLUICE_WEBHOOK_SECRET_NAME || `${env.SLUICE_SERVICE_NAME ?? 'sluice'}-webhook-tls`,
    webhookConfigurationName: env.SLUICE_WEBHOOK_CONFIGURATION_NAME || WEBHOOK_CONFIGURATION_NAME,
  };
}

type LeaderElectionSettings = Pick<OperatorConfig, 'leaderElect' | 'leaderElectionNamespace' | 'leaderElectionName' | 'leaseDurationMs'>;

/** Whether the replicas elect a leader, and on which Lease. */
function leaderElectionOf(env: NodeJS.ProcessEnv, inCluster: boolean): LeaderElectionSettings {
  return {
    leaderElect: bool(env.SLUICE_LEADER_ELECT, false),
    leaderElectionNamespace: env.SLUICE_LEADER_ELECTION_NAMESPACE ?? (inCluster ? 'sluice-system' : 'default'),
    leaderElectionName: env.SLUICE_LEADER_ELECTION_NAME || 'sluice-leader-election',
    leaseDurationMs: num(env.SLUICE_LEASE_DURATION_MS, 15_000),
  };
}

/** The settings `env` gives (process.env, or it with the flags of `sluice run` over it). Throws on a value it cannot take. */
export function defaultConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST);
  return {
    ...ifSet('kubeconfig', env.KUBECONFIG),
    ...ifSet('masterUrl', env.SLUICE_MASTER_URL),
    metricsServer: env.SLUICE_METRICS_SERVER || env.PROMETHEUS_URL || 'http://prometheus:9090',
    provider: providerOf(env.SLUICE_PROVIDER || 'istio'),
    ...namespaceOf(env.SLUICE_NAMESPACE),
    clusterName: env.SLUICE_CLUSTER_NAME ?? '',
    logLevel: logLevelOf(env.SLUICE_LOG_LEVEL || 'info'),
    port: num(env.SLUICE_PORT, 8080),
    ...webhookSettingsOf(env, inCluster),
    ...leaderElectionOf(env, inCluster),
    identity: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    // At least one worker: Flagger's -threadiness=0 would start none and reconcile nothing.
    concurrency: Math.max(1, num(env.SLUICE_CONCURRENCY, 16)),
    notifier: {
      ...ifSet('slackUrl', env.SLACK_URL),
      ...ifSet('slackChannel', env.SLACK_CHANNEL),
      ...ifSet('slackUser', env.SLACK_USER),
      ...ifSet('slackProxy', env.SLACK_PROXY_URL),
      ...ifSet('slackToken', env.SLACK_TOKEN),
      ...ifSet('msteamsUrl', env.MSTEAMS_URL),
      ...ifSet('msteamsProxy', env.MSTEAMS_PROXY_URL),
    },
    ...ifSet('eventWebhook', env.EVENT_WEBHOOK_URL),
    synth: {
      selectorLabels: selectorLabelsOf(env.SLUICE_SELECTOR_LABELS),
      includeLabelPrefixes: commaList(env.SLUICE_INCLUDE_LABEL_PREFIX ?? ''),
      ...ifSet('ingressAnnotationsPrefix', env.SLUICE_INGRESS_ANNOTATIONS_PREFIX),
      ...ifSet('ingressClass', env.SLUICE_INGRESS_CLASS),
    },
    configTracking: bool(env.SLUICE_CONFIG_TRACKING, true),
    noCrossNamespaceRefs: bool(env.SLUICE_NO_CROSS_NAMESPACE_REFS, false),
    ...dashboardOf(env.SLUICE_DASHBOARD_PORT, env.SLUICE_DASHBOARD_ADDRESS),
  };
}
