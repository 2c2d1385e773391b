// Keptn: reads a KeptnMetric's status.value, or creates a Keptn Analysis and waits for its
// verdict (1 passed, 0 failed), on the Kubernetes API with the operator's own credentials. The
// query is "<keptnmetric|analysis>/<namespace>/<name>[/<timeframe>[/<k=v;k=v>]]", lower-cased
// as Flagger reads it; the timeframe (default 1m) is the Analysis's spec.timeframe.recent.
import { randomBytes } from 'node:crypto';
import { configError, type BackendClient, type BackendSettings, type KubeAccess, type MetricBackend } from './backend.js';
import { MetricsProviderError } from '../prometheus.js';

const GROUP_VERSION = 'metrics.keptn.sh/v1beta1';
/** Keptn needs a few seconds to evaluate an Analysis; Flagger waits 10 s. */
const ANALYSIS_TIMEOUT_MS = 10_000;
const POLL_MS = 1_000;

export const keptn: MetricBackend = {
  title: 'Keptn',
  secretKeys: [],
  window: 'an Analysis gets timeframe.recent from the query (default 1m); a KeptnMetric has its own',
  probe: 'none (Flagger reports Keptn as always available)',
  manySeries: { rule: 'one-value', oneSeries: 'query one KeptnMetric or Analysis' },
  connect: (settings) => connectKeptn(settings),
};

export interface KeptnQuery {
  readonly kind: 'keptnmetrics' | 'analyses';
  readonly namespace: string;
  readonly name: string;
  readonly timeframe: string;
  readonly args: Readonly<Record<string, string>>;
}

const FORMAT = 'expected <keptnmetric|analysis>/<namespace>/<name>[/<timeframe>[/<key=value;...>]]';

export function parseKeptnQuery(query: string): KeptnQuery {
  const parts = query.toLowerCase().trim().split('/');
  if (parts.length < 3) throw new Error(`invalid Keptn query ${JSON.stringify(query.trim())}: ${FORMAT}`);
  const [type, namespace, name, timeframe, args] = parts;
  const kind = type === 'keptnmetric' || type === 'keptnmetrics' ? 'keptnmetrics' : type === 'analysis' || type === 'analyses' ? 'analyses' : undefined;
  if (!kind) throw new Error(`invalid Keptn query ${JSON.stringify(query.trim())}: the type must be keptnmetric or analysis`);
  const parsedArgs: Record<string, string> = {};
  for (const pair of (args ?? '').split(';')) {
    const kv = pair.split('=');
    if (kv.length === 2) parsedArgs[kv[0]] = kv[1];
  }
  return { kind, namespace, name, timeframe: timeframe || '1m', args: parsedArgs };
}

function connectKeptn(settings: BackendSettings): BackendClient {
  const kube = settings.kube;
  if (!kube) throw configError('Keptn', '', 'needs the Kubernetes API (run against a cluster)');
  return {
    address: 'the Kubernetes API',
    async query(query) {
      let parsed: KeptnQuery;
      try {
        parsed = parseKeptnQuery(query);
      } catch (err) {
        throw new MetricsProviderError(`Keptn: ${(err as Error).message}`, 'bad-query', 'the Kubernetes API');
      }
      const value = parsed.kind === 'keptnmetrics' ? await metricValue(kube, parsed) : await analysisVerdict(kube, parsed, settings);
      return { type: 'scalar', value };
    },
    probe: async () => {},
  };
}

const fail = (message: string) => new MetricsProviderError(`Keptn: ${message}`, 'unexpected', 'the Kubernetes API');
const path = (q: KeptnQuery, name?: string) =>
  `/apis/${GROUP_VERSION}/namespaces/${encodeURIComponent(q.namespace)}/${q.kind}${name ? `/${encodeURIComponent(name)}` : ''}`;

async function metricValue(kube: KubeAccess, q: KeptnQuery): Promise<number> {
  let metric: { status?: { value?: unknown } };
  try {
    metric = (await kube.get(path(q, q.name))) as typeof metric;
  } catch (err) {
    throw fail(`could not read KeptnMetric ${q.namespace}/${q.name}: ${(err as Error).message}`);
  }
  const value = metric?.status?.value;
  if (typeof value !== 'string' || value.trim() === '') throw fail(`KeptnMetric ${q.namespace}/${q.name} has no status.value yet`);
  const n = Number(value);
  if (Number.isNaN(n) && value.trim() !== 'NaN')
    throw fail(`KeptnMetric ${q.namespace}/${q.name} has a status.value that is not a number: ${JSON.stringify(value.slice(0, 40))}`);
  return n;
}

async function analysisVerdict(kube: KubeAccess, q: KeptnQuery, settings: BackendSettings): Promise<number> {
  const name = `${q.name}-${randomBytes(3).toString('hex')}`;
  const analysis = {
    apiVersion: GROUP_VERSION,
    kind: 'Analysis',
    metadata: { name, namespace: q.namespace },
    spec: { analysisDefinition: { name: q.name }, timeframe: { recent: q.timeframe }, args: q.args },
  };
  try {
    await kube.create(path(q), analysis);
  } catch (err) {
    throw fail(`could not create Analysis for ${q.namespace}/${q.name}: ${(err as Error).message}`);
  }
  try {
    const deadline = settings.now() + Math.max(ANALYSIS_TIMEOUT_MS, settings.timeoutMs);
    while (settings.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const got = (await kube.get(path(q, name)).catch((err: Error) => {
        throw fail(`could not read Analysis ${q.namespace}/${name}: ${err.message}`);
      })) as { status?: { state?: unknown; pass?: unknown } };
      if (got?.status?.state === 'Completed' && typeof got.status.pass === 'boolean') return got.status.pass ? 1 : 0;
    }
    throw new MetricsProviderError(
      `Keptn: Analysis ${q.namespace}/${name} did not complete within ${Math.max(ANALYSIS_TIMEOUT_MS, settings.timeoutMs)}ms`,
      'timeout',
      'the Kubernetes API',
    );
  } finally {
    await kube.delete(path(q, name)).catch(() => undefined);
  }
}
