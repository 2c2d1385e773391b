// Flagger's check of a Canary's metrics providers while it initializes: the Prometheus behind the
// builtin metrics, and each Prometheus MetricTemplate, must answer `vector(1)` with 1; every other
// backend answers its own check (table.ts: `probe`). It only reports ("all the metrics providers are available!", or why not); it never holds a Canary.
import type { ResolvedCanary } from '../api/defaults.js';
import { isBuiltinMetric } from '../analysis/builtin-queries.js';
import type { MetricsQuerier } from '../analysis/prometheus.js';
import { backendSettingsOf, backendTypeOf, connectBackend, unsupportedProvider, type MetricCheckDeps, type PrometheusAuth } from '../analysis/run-checks.js';

/** Rejects with the first provider that cannot be used; each address is asked once. */
export async function checkMetricProviders(resolved: ResolvedCanary, deps: MetricCheckDeps): Promise<void> {
  const probed = new Set<string>();
  const probeOnce = async (address: string, auth: PrometheusAuth, what: string) => {
    if (probed.has(address)) return;
    try {
      await probe(deps.prometheusFor(address, auth));
    } catch (err) {
      throw new Error(`${what} not available: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    probed.add(address);
  };
  for (const metric of resolved.metrics) {
    if (metric.templateRef) {
      const { name, namespace } = metric.templateRef;
      const where = `MetricTemplate ${namespace}/${name}`;
      const template = await deps.getTemplate(metric.templateRef).catch((err: unknown) => {
        throw new Error(`${where}: ${err instanceof Error ? err.message : String(err)}`);
      });
      const provider = template.spec?.provider ?? {};
      const unsupported = unsupportedProvider(provider.type);
      if (unsupported) throw new Error(`${where}: ${unsupported}`);
      const type = backendTypeOf(provider.type);
      if (type !== 'prometheus') {
        // Each backend's own availability check (Datadog's key validation, ...), once per template.
        const key = `${type} ${namespace}/${name}`;
        if (probed.has(key)) continue;
        try {
          const settings = await backendSettingsOf(template, metric.templateRef, deps, metric.intervalMs);
          await (deps.backendFor ?? connectBackend)(type, settings).probe();
        } catch (err) {
          throw new Error(`${type} in ${where} not available: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
        }
        probed.add(key);
        continue;
      }
      const auth: PrometheusAuth = {
        ...(provider.headers ? { headers: provider.headers } : {}),
        ...(provider.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
        ...(provider.secretRef?.name ? credentials(await deps.getSecret(template.metadata?.namespace ?? namespace, provider.secretRef.name)) : {}),
      };
      await probeOnce(provider.address || resolved.metricsServer, auth, `prometheus in ${where}`);
    } else if (isBuiltinMetric(metric.name) && !metric.query) {
      await probeOnce(resolved.metricsServer, {}, 'prometheus');
    }
  }
}

/** `vector(1)` must return 1. */
async function probe(querier: MetricsQuerier): Promise<void> {
  const result = await querier.query('vector(1)');
  const value = result.type === 'vector' && result.samples.length === 1 ? result.samples[0].value : result.type === 'scalar' ? result.value : undefined;
  if (value !== 1) throw new Error('vector(1) did not return 1');
}

/** Flagger's secret keys: `token` (Bearer), else `username` and `password`. */
function credentials(secret: Record<string, string>): PrometheusAuth {
  if (secret.token) return { bearerToken: secret.token };
  if (secret.username && secret.password) return { username: secret.username, password: secret.password };
  return {};
}
