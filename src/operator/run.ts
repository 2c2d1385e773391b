// The operator process: controller (behind leader election when asked), admission webhooks,
// and the /metrics, /healthz, /readyz endpoints; a clean shutdown on SIGTERM or SIGINT.
import type { KubeConfig } from '@kubernetes/client-node';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { log as rootLog } from '../log.js';
import { loadKubeConfig, KubeClient, type KubeObject } from '../kube/index.js';
import { kubeRequests } from '../kube/transport.js';
import { admissionDuration } from '../admission/metrics.js';
import { CanaryController } from '../controller/controller.js';
import { ControllerMetrics } from '../controller/metrics.js';
import { LeaderElector } from '../controller/leader.js';
import type { Synthesize } from '../controller/executor.js';
import { callHook } from '../hooks/call.js';
import { runMetricChecks, refNamesOf } from '../analysis/run-checks.js';
import { clusterMetricDeps } from '../controller/cluster-metric-deps.js';
import { synthesizeCanary } from '../synth/canary-chart.js';
import type { SynthSettings } from '../synth/operator-settings.js';
import type { DeploymentJson, HorizontalPodAutoscalerJson, ConfigJson } from '../synth/kube-json.js';
import { startAdmissionServer, type AdmissionServer } from '../admission/server.js';
import { registerWebhooks, unregisterWebhooks } from '../admission/registration.js';
import { keepSharedCertificateFresh, sharedServingCertificate, type SharedCertificate } from '../admission/shared-certificate.js';
import {
  followMountedCertificate,
  readCertificateFiles,
  watchCertificateFiles,
  type CertificateFiles,
  type MountedCertificate,
} from '../admission/certificate-files.js';
import { selfSubjectUsername } from '../admission/self-subject.js';
import type { OperatorConfig } from './config.js';
import { AlertNotifier } from '../notify/index.js';
import { VERSION } from '../version.js';

export { VERSION };

/**
 * Generated objects for one step, shaped by the operator's settings (Flagger's -selector-labels,
 * -include-label-prefix, -ingress-annotations-prefix, -ingress-class); the primary and its config
 * copies only when promoting or initializing.
 */
export const synthesizerFor =
  (settings: SynthSettings = {}): Synthesize =>
  (inputs, weights, primaryFromTarget) => {
    if (!inputs.target) throw new Error('cannot synthesize without the target workload');
    const out = synthesizeCanary({
      ...settings,
      canary: inputs.canary,
      resolved: inputs.resolved,
      target: inputs.target as unknown as DeploymentJson,
      ...(inputs.hpa ? { hpa: inputs.hpa as unknown as HorizontalPodAutoscalerJson } : {}),
      ...(inputs.scaledObject ? { scaledObject: inputs.scaledObject } : {}),
      configs: (inputs.configs ?? []) as unknown as ConfigJson[],
      ...(inputs.referenced ? { referenced: inputs.referenced } : {}),
      weights,
      ...(inputs.canary.status?.phase ? { phase: inputs.canary.status.phase } : {}),
      promote: primaryFromTarget,
    });
    if (primaryFromTarget) return out.objects as KubeObject[];
    const skip = new Set<unknown>([...(out.byRole.primaryDeployment ? [out.byRole.primaryDeployment] : []), ...out.byRole.configs]);
    return out.objects.filter((o) => !skip.has(o)) as KubeObject[];
  };

/** With Flagger's defaults. */
export const synthesize: Synthesize = synthesizerFor();

export interface RunningOperator {
  readonly controller: CanaryController;
  readonly metricsPort: number;
  readonly admission?: AdmissionServer;
  stop(): Promise<void>;
}

export async function startOperator(config: OperatorConfig): Promise<RunningOperator> {
  const log = rootLog.child({ component: 'operator' });
  rootLog.level = config.logLevel;
  // What has started so far, undone in reverse order when a later step fails (a failed start
  // leaves no listener or registration behind, so the process can exit and be restarted) and
  // by stop(): one list, so a part added later is stopped both ways.
  const undo: (() => Promise<void>)[] = [];
  try {
    return await startParts(config, log, undo);
  } catch (err) {
    await undoAll(undo, log, 'clean-up after a failed start failed');
    throw err;
  }
}

/** Runs the undo steps newest first; a step that fails is logged and the rest still run. */
async function undoAll(undo: (() => Promise<void>)[], log: typeof rootLog, failed: string): Promise<void> {
  for (const step of undo.splice(0).reverse()) await step().catch((err: unknown) => log.warn({ err }, failed));
}

/** The start-up steps' undo list: each part pushes what stops it. */
type Undo = (() => Promise<void>)[];

async function startParts(config: OperatorConfig, log: typeof rootLog, undo: Undo): Promise<RunningOperator> {
  const kc = loadKubeConfig({ ...(config.kubeconfig ? { path: config.kubeconfig } : {}), ...(config.masterUrl ? { server: config.masterUrl } : {}) });
  const client = new KubeClient(kc);
  const metrics = new ControllerMetrics(VERSION, config.provider);
  metrics.registry.registerMetric(kubeRequests);
  metrics.registry.registerMetric(admissionDuration);
  // Declared before the probes that read it: they answer while the rest starts.
  let leader: LeaderElector | undefined;
  const controller = controllerFor(config, client, metrics);
  // Health and metrics first, so probes answer while the caches fill.
  const standby = () => leader !== undefined && !leader.isLeader();
  const metricsPort = await serveHealthAndMetrics(config, controller, standby, metrics, log, undo);
  // Not awaited: the page is optional, and its watches must never hold the webhooks or the controller.
  if (config.dashboard) startReadOnlyDashboard(config, config.dashboard, client, log, undo);
  const admission = config.webhooks ? await startWebhooks(config, kc, client, controller, log, undo) : undefined;
  const shutdown = shutdownOf(undo, log);
  if (config.leaderElect) {
    leader = electorFor(config, client, log);
    reconcileWhileLeader(leader, controller, shutdown, log, undo);
  } else {
    undo.push(() => controller.stop());
    await controller.start();
  }
  return { controller, metricsPort, ...(admission ? { admission } : {}), stop: shutdown.stop };
}

/** The Canary controller with the operator's settings, its notifier and its gates. */
function controllerFor(config: OperatorConfig, client: KubeClient, metrics: ControllerMetrics): CanaryController {
  const metricDeps = clusterMetricDeps(client);
  return new CanaryController({
    client,
    synthesize: synthesizerFor(config.synth),
    operator: { provider: config.provider, metricsServer: config.metricsServer },
    configTracking: config.configTracking,
    noCrossNamespaceRefs: config.noCrossNamespaceRefs,
    ...(config.eventWebhook ? { eventWebhook: config.eventWebhook } : {}),
    log: rootLog.child({ component: 'controller' }),
    metrics,
    alerts: new AlertNotifier({
      kube: client,
      global: config.notifier,
      clusterName: config.clusterName,
      log: rootLog.child({ component: 'notify' }),
    }),
    ...(config.namespace ? { namespace: config.namespace } : {}),
    concurrency: config.concurrency,
    gates: {
      callHook,
      now: Date.now,
      runMetrics: (resolved, canary, refs) => runMetricChecks(resolved, metricDeps, { ...refNamesOf(canary), ...refs }),
    },
  });
}

/** /healthz, /readyz (ready once the caches are synced, or at once on a standby) and /metrics; resolves to the port. */
async function serveHealthAndMetrics(
  config: OperatorConfig,
  controller: CanaryController,
  standby: () => boolean,
  metrics: ControllerMetrics,
  log: typeof rootLog,
  undo: Undo,
): Promise<number> {
  const app = express();
  app.get('/healthz', (_req, res) => {
    res.type('text').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const ready = controller.isReady() || standby();
    res
      .status(ready ? 200 : 503)
      .type('text')
      .send(ready ? 'ok' : 'caches not synced');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const host = process.env.KUBERNETES_SERVICE_HOST ? '0.0.0.0' : '127.0.0.1';
  const http: Server = await new Promise((resolve, reject) => {
    // Express 5 also calls this back with a listen error (a port in use): that one is the 'error' listener's.
    const s = app.listen(config.port, host, (err?: Error) => {
      if (!err) resolve(s);
    });
    s.once('error', (err) => reject(new Error(`cannot serve /metrics and health on ${host}:${config.port} (SLUICE_PORT): ${err.message}`)));
  });
  undo.push(() => new Promise<void>((r) => http.close(() => r())));
  const metricsPort = (http.address() as AddressInfo).port;
  log.info({ port: metricsPort }, `metrics and health on :${metricsPort}`);
  return metricsPort;
}

/** Where the operator's ServiceAccount gets the list and watch of Events: only the page needs them (permissions.ts, onlyWith). */
export const OPERATOR_EVENTS_GRANT =
  'The chart grants them with the value dashboard.port; with manifests/, add the rule of the overlay in docs/operations.md (Install).';

/**
 * Read-only, with the operator's ServiceAccount: its buttons would act with the operator's rights.
 * Started beside the rest and never waited for; a page that cannot start is logged, and the
 * operator runs on without it. Shutdown stops it, started or still starting.
 */
function startReadOnlyDashboard(
  config: OperatorConfig,
  at: NonNullable<OperatorConfig['dashboard']>,
  client: KubeClient,
  log: typeof rootLog,
  undo: Undo,
): void {
  const starting = new AbortController();
  const started = import('../dashboard/server.js')
    .then(({ startDashboard }) =>
      startDashboard(
        {
          client,
          ...(config.namespace ? { namespace: config.namespace } : {}),
          port: at.port,
          host: at.address,
          user: 'operator',
          readOnly: true,
          defaultProvider: config.provider,
          reader: "the operator's ServiceAccount",
          eventsGrant: OPERATOR_EVENTS_GRANT,
        },
        starting.signal,
      ),
    )
    .then(
      (dashboard) => {
        log.info({ url: dashboard.url }, `read-only rollout page on ${dashboard.url} (no authentication: reach it by kubectl port-forward)`);
        return dashboard;
      },
      (err: unknown) => {
        if (!starting.signal.aborted) log.error({ err }, 'the read-only rollout page did not start: the operator runs on without it');
        return undefined;
      },
    );
  undo.push(async () => {
    starting.abort(new Error('the operator is stopping'));
    await (await started)?.stop();
  });
}

/** The certificate the webhooks serve, and where it comes from (neither: the server makes its own). */
interface WebhookCertificate {
  readonly mounted?: CertificateFiles;
  readonly shared?: SharedCertificate;
  readonly tls?: MountedCertificate | SharedCertificate;
}

/** A mounted certificate wins; in a cluster, replicas share one through a Secret; outside, a fresh one. */
async function webhookCertificateOf(config: OperatorConfig, client: KubeClient): Promise<WebhookCertificate> {
  if (config.tlsCertFile && config.tlsKeyFile) {
    const mounted = { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, ...(config.tlsCaFile ? { caFile: config.tlsCaFile } : {}) };
    return { mounted, tls: readCertificateFiles(mounted) };
  }
  if (!config.webhookService) return {};
  const shared = await sharedServingCertificate(client, config.webhookService, config.webhookSecretName);
  return { shared, tls: shared };
}

/** The admission server, listening and registered with the apiserver, its certificate kept fresh. */
async function startWebhooks(
  config: OperatorConfig,
  kc: KubeConfig,
  client: KubeClient,
  controller: CanaryController,
  log: typeof rootLog,
  undo: Undo,
): Promise<AdmissionServer> {
  const certificate = await webhookCertificateOf(config, client);
  const { tls } = certificate;
  const admission = await startAdmissionServer({
    port: config.webhookPort,
    canaries: controller,
    // The apiserver-authenticated identity, not the field manager a client may choose, marks Sluice's own writes.
    operatorUsername: await selfSubjectUsername(kc),
    defaultProvider: config.provider,
    ...(config.webhookService ? { service: config.webhookService } : {}),
    ...(tls ? { tls } : {}),
  });
  undo.push(() => admission.close());
  // Outside a cluster the apiserver calls us on loopback; inside, through our Service.
  const endpoint = config.webhookService ? { service: config.webhookService } : { url: `https://127.0.0.1:${admission.port}` };
  const register = (ca: string) => registerWebhooks(kc, endpoint, ca, { name: config.webhookConfigurationName });
  await register(admission.caBundle);
  if (!config.webhookService) undo.push(() => unregisterWebhooks(kc, config.webhookConfigurationName));
  log.info({ endpoint }, 'admission webhooks registered');
  const stopCertificateRenewal = keepCertificateFresh(config, client, certificate, admission, register, log);
  undo.push(async () => stopCertificateRenewal?.());
  return admission;
}

/**
 * Renews before expiry (a self-made certificate renews inside the server), or follows the
 * mounted files; `register` re-registers the webhooks when the CA changes. Returns what stops it.
 */
function keepCertificateFresh(
  config: OperatorConfig,
  client: KubeClient,
  { mounted, shared, tls }: WebhookCertificate,
  server: AdmissionServer,
  register: (ca: string) => Promise<void>,
  log: typeof rootLog,
): (() => void) | undefined {
  if (mounted) return watchCertificateFiles(mounted, followMountedCertificate(server, tls?.ca, register, log), { log });
  if (!shared || !config.webhookService) return undefined;
  return keepSharedCertificateFresh({
    client,
    service: config.webhookService,
    secretName: config.webhookSecretName,
    current: shared,
    server,
    log,
    onCaChange: register,
  });
}

/** stop() runs the undo steps once, newest first; `stopping` says whether it has begun. */
interface Shutdown {
  stop(): Promise<void>;
  stopping(): boolean;
}

function shutdownOf(undo: Undo, log: typeof rootLog): Shutdown {
  let stopping = false;
  return {
    stopping: () => stopping,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      log.info('shutting down');
      await undoAll(undo, log, 'a part did not stop cleanly');
      log.info('stopped');
    },
  };
}

/** The leader election on the configured Lease, its timings derived from the lease duration. */
function electorFor(config: OperatorConfig, client: KubeClient, log: typeof rootLog): LeaderElector {
  return new LeaderElector(
    client,
    {
      namespace: config.leaderElectionNamespace,
      name: config.leaderElectionName,
      identity: config.identity,
      leaseDurationMs: config.leaseDurationMs,
      renewDeadlineMs: Math.round((config.leaseDurationMs * 2) / 3),
      retryPeriodMs: Math.max(500, Math.round(config.leaseDurationMs / 6)),
    },
    log,
  );
}

/** Standbys serve admission and health; only the leader reconciles: the controller starts once elected. */
function reconcileWhileLeader(leader: LeaderElector, controller: CanaryController, shutdown: Shutdown, log: typeof rootLog, undo: Undo): void {
  // A failure after start-up returned has no caller to report to: exit non-zero, so the
  // kubelet restarts the pod instead of leaving a replica that never reconciles.
  const fatal = (why: string) => (err?: unknown) => {
    log.error({ err }, why);
    void shutdown.stop().finally(() => process.exit(1));
  };
  undo.push(async () => {
    await controller.stop();
    await leader.release();
  });
  void leader
    .run(fatal('leadership lost: exiting so a fresh process can compete again'))
    .then(() => (shutdown.stopping() ? undefined : controller.start()))
    .catch(fatal('the controller could not start'));
}
