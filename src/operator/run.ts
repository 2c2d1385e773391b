// The operator process: controller (behind leader election when asked), admission webhooks,
// and the /metrics, /healthz, /readyz endpoints; a clean shutdown on SIGTERM or SIGINT.
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
import { keepSharedCertificateFresh, sharedServingCertificate } from '../admission/shared-certificate.js';
import { followMountedCertificate, readCertificateFiles, watchCertificateFiles } from '../admission/certificate-files.js';
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

async function startParts(config: OperatorConfig, log: typeof rootLog, undo: (() => Promise<void>)[]): Promise<RunningOperator> {
  const kc = loadKubeConfig({ ...(config.kubeconfig ? { path: config.kubeconfig } : {}), ...(config.masterUrl ? { server: config.masterUrl } : {}) });
  const client = new KubeClient(kc);
  const metrics = new ControllerMetrics(VERSION, config.provider);
  metrics.registry.registerMetric(kubeRequests);
  metrics.registry.registerMetric(admissionDuration);
  // Declared before the probes that read it: they answer while the rest starts.
  let leader: LeaderElector | undefined;

  const metricDeps = clusterMetricDeps(client);
  const controller = new CanaryController({
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

  // Health and metrics first, so probes answer while the caches fill.
  const app = express();
  app.get('/healthz', (_req, res) => {
    res.type('text').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const ready = controller.isReady() || (leader !== undefined && !leader.isLeader());
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

  if (config.dashboard) {
    // Read-only, with the operator's ServiceAccount: its buttons would act with the operator's rights.
    const { startDashboard } = await import('../dashboard/server.js');
    const dashboard = await startDashboard({
      client,
      ...(config.namespace ? { namespace: config.namespace } : {}),
      port: config.dashboard.port,
      host: config.dashboard.address,
      user: 'operator',
      readOnly: true,
      defaultProvider: config.provider,
    });
    undo.push(() => dashboard.stop());
    log.info({ url: dashboard.url }, `read-only rollout page on ${dashboard.url} (no authentication: reach it by kubectl port-forward)`);
  }

  let admission: AdmissionServer | undefined;
  let stopCertificateRenewal: (() => void) | undefined;
  if (config.webhooks) {
    // A mounted certificate wins; in a cluster, replicas share one through a Secret; outside, a fresh one.
    const mounted =
      config.tlsCertFile && config.tlsKeyFile
        ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, ...(config.tlsCaFile ? { caFile: config.tlsCaFile } : {}) }
        : undefined;
    const shared = !mounted && config.webhookService ? await sharedServingCertificate(client, config.webhookService, config.webhookSecretName) : undefined;
    const tls = mounted ? readCertificateFiles(mounted) : shared;
    admission = await startAdmissionServer({
      port: config.webhookPort,
      canaries: controller,
      // The apiserver-authenticated identity, not the field manager a client may choose, marks Sluice's own writes.
      operatorUsername: await selfSubjectUsername(kc),
      defaultProvider: config.provider,
      ...(config.webhookService ? { service: config.webhookService } : {}),
      ...(tls ? { tls } : {}),
    });
    const started = admission;
    undo.push(() => started.close());
    // Outside a cluster the apiserver calls us on loopback; inside, through our Service.
    const endpoint = config.webhookService ? { service: config.webhookService } : { url: `https://127.0.0.1:${admission.port}` };
    await registerWebhooks(kc, endpoint, admission.caBundle, { name: config.webhookConfigurationName });
    if (!config.webhookService) undo.push(() => unregisterWebhooks(kc, config.webhookConfigurationName));
    log.info({ endpoint }, 'admission webhooks registered');
    // Renew before expiry (a self-made certificate renews inside the server), or follow the mounted files.
    stopCertificateRenewal = mounted
      ? watchCertificateFiles(
          mounted,
          followMountedCertificate(started, tls?.ca, (ca) => registerWebhooks(kc, endpoint, ca, { name: config.webhookConfigurationName }), log),
          { log },
        )
      : shared && config.webhookService
        ? keepSharedCertificateFresh({
            client,
            service: config.webhookService,
            secretName: config.webhookSecretName,
            current: shared,
            server: started,
            log,
            onCaChange: (ca) => registerWebhooks(kc, endpoint, ca, { name: config.webhookConfigurationName }),
          })
        : undefined;
    undo.push(async () => stopCertificateRenewal?.());
  }

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down');
    await undoAll(undo, log, 'a part did not stop cleanly');
    log.info('stopped');
  };

  if (config.leaderElect) {
    leader = new LeaderElector(
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
    // Standbys serve admission and health; only the leader reconciles.
    // A failure after start-up returned has no caller to report to: exit non-zero, so the
    // kubelet restarts the pod instead of leaving a replica that never reconciles.
    const fatal = (why: string) => (err?: unknown) => {
      log.error({ err }, why);
      void stop().finally(() => process.exit(1));
    };
    const elector = leader;
    undo.push(async () => {
      await controller.stop();
      await elector.release();
    });
    void leader
      .run(fatal('leadership lost: exiting so a fresh process can compete again'))
      .then(() => (stopping ? undefined : controller.start()))
      .catch(fatal('the controller could not start'));
  } else {
    undo.push(() => controller.stop());
    await controller.start();
  }

  return { controller, metricsPort, ...(admission ? { admission } : {}), stop };
}
