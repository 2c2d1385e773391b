// The controller's AlertSink: sends each rollout alert to the providers a Canary's
// `analysis.alerts[]` subscribe to (after the severity filter), or, for a Canary without
// alerts, to the global Slack / Teams webhook of the operator's configuration.
// A failed delivery is logged and never fails the reconcile that raised it.
import type { Logger } from '../log.js';
import { GROUP_VERSION, type AlertProvider, type Canary, type CanaryAlert } from '../api/types.js';
import { analysisOf } from '../api/defaults.js';
import { RESOURCES, type KubeClient } from '../kube/index.js';
import type { AlertSink } from '../controller/executor.js';
import { alertOf, alertSubject, type Alert, type Severity } from './alert.js';
import { DEFAULT_CHANNEL, DEFAULT_USERNAME, type Destination, type NotifierKind } from './destination.js';
import { destinationOf } from './provider-destination.js';
import { notifierKind } from './kinds.js';
import { subscribes } from './severity.js';
import { postJson, type PostJson } from './post.js';

/** Flagger's -slack-url/-slack-channel/-slack-user/-slack-proxy-url/-slack-token and -msteams-url. */
export interface GlobalNotifierConfig {
  readonly slackUrl?: string;
  readonly slackChannel?: string;
  readonly slackUser?: string;
  readonly slackProxy?: string;
  readonly slackToken?: string;
  readonly msteamsUrl?: string;
  readonly msteamsProxy?: string;
}

export interface AlertNotifierOptions {
  /** Reads AlertProviders and Secrets (a KubeClient does). */
  readonly kube: Pick<KubeClient, 'get'>;
  /** Decoded data of a Secret; default: read through `kube` and base64-decode. */
  readonly getSecret?: (namespace: string, name: string) => Promise<Record<string, string>>;
  readonly global?: GlobalNotifierConfig;
  /** Shown as the "Cluster" field when set. */
  readonly clusterName?: string;
  readonly log: Logger;
  /** Default: postJson (real HTTP). */
  readonly post?: PostJson;
  readonly timeoutMs?: number;
}

/** The outcome of one delivery attempt, for logs and tests. */
export interface Delivery {
  /** "AlertProvider ns/name" or "global slack". */
  readonly via: string;
  readonly type?: string;
  readonly ok: boolean;
  readonly error?: string;
}

interface Planned {
  readonly via: string;
  readonly kind?: NotifierKind;
  readonly destination?: Destination;
  readonly error?: string;
}

export class AlertNotifier implements AlertSink {
  private readonly post: PostJson;
  private readonly getSecret: (namespace: string, name: string) => Promise<Record<string, string>>;

  constructor(private readonly opts: AlertNotifierOptions) {
    this.post = opts.post ?? postJson;
    this.getSecret =
      opts.getSecret ??
      (async (namespace, name) => {
        const secret = await opts.kube.get<{ data?: Record<string, string> }>(RESOURCES.secrets, name, namespace);
        return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      });
  }

  async send(canary: Canary, severity: Severity, message: string): Promise<void> {
    await this.deliver(canary, severity, message);
  }

  /** Sends one alert everywhere it must go; every attempt reported, none thrown. */
  async deliver(canary: Canary, severity: Severity, message: string): Promise<Delivery[]> {
    const alert = alertOf(canary, severity, message, this.opts.clusterName ?? '');
    const subscriptions = analysisOf(canary)?.alerts ?? [];
    const planned = subscriptions.length
      ? await Promise.all(subscriptions.filter((s) => subscribes(s.severity, severity)).map((s) => this.plan(canary, s)))
      : this.globalPlan();
    const deliveries = await Promise.all(planned.map((p) => this.attempt(alert, p)));
    const log = this.opts.log.child({ canary: alertSubject(alert), severity });
    for (const d of deliveries) {
      if (d.ok) log.debug({ via: d.via, type: d.type }, `alert sent via ${d.via}: ${message}`);
      else log.warn({ via: d.via, type: d.type, err: d.error }, `alert not delivered via ${d.via}: ${d.error}`);
    }
    return deliveries;
  }

  private async plan(canary: Canary, subscription: CanaryAlert): Promise<Planned> {
    const namespace = subscription.providerRef.namespace || canary.metadata.namespace || 'default';
    const via = `AlertProvider ${namespace}/${subscription.providerRef.name}`;
    try {
      const provider = await this.opts.kube.get<AlertProvider>(RESOURCES.alertProviders, subscription.providerRef.name, namespace);
      const kind = notifierKind(provider.spec?.type);
      if (!kind) return { via, error: `type ${JSON.stringify(provider.spec?.type)} is not supported` };
      const secret = provider.spec.secretRef ? await this.getSecret(namespace, provider.spec.secretRef.name) : {};
      return { via, kind, destination: destinationOf({ ...provider, apiVersion: GROUP_VERSION, metadata: { ...provider.metadata, namespace } }, secret) };
    } catch (err) {
      return { via, error: err instanceof Error ? err.message : String(err) };
    }
  }

  private globalPlan(): Planned[] {
    const g = this.opts.global ?? {};
    const planned: Planned[] = [];
    const slackKind = notifierKind('slack');
    const teamsKind = notifierKind('msteams');
    if (g.slackUrl || g.slackToken) {
      planned.push({
        via: 'global slack',
        ...(slackKind ? { kind: slackKind } : {}),
        destination: {
          url: g.slackUrl || 'https://slack.com/api/chat.postMessage',
          channel: g.slackChannel || DEFAULT_CHANNEL,
          username: g.slackUser || DEFAULT_USERNAME,
          ...(g.slackProxy ? { proxy: g.slackProxy } : {}),
          ...(g.slackToken ? { token: g.slackToken } : {}),
        },
      });
    }
    if (g.msteamsUrl) {
      planned.push({
        via: 'global msteams',
        ...(teamsKind ? { kind: teamsKind } : {}),
        destination: { url: g.msteamsUrl, channel: DEFAULT_CHANNEL, username: DEFAULT_USERNAME, ...(g.msteamsProxy ? { proxy: g.msteamsProxy } : {}) },
      });
    }
    return planned;
  }

  private async attempt(alert: Alert, planned: Planned): Promise<Delivery> {
    const { via, kind, destination } = planned;
    if (!kind || !destination) return { via, ok: false, error: planned.error ?? 'no destination' };
    try {
      const message = kind.render(alert, destination);
      await this.post(message, {
        ...(destination.proxy ? { proxy: destination.proxy } : {}),
        ...(this.opts.timeoutMs ? { timeoutMs: this.opts.timeoutMs } : {}),
      });
      return { via, type: kind.type, ok: true };
    } catch (err) {
      return { via, type: kind.type, ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
}
