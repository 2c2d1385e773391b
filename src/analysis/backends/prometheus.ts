// Prometheus (and what speaks its API: Thanos, Cortex, Mimir, VictoriaMetrics): instant queries,
// the client in ../prometheus.ts. Without spec.provider.address the Canary's metricsServer is used.
import { PrometheusClient } from '../prometheus.js';
import { configError, type BackendClient, type BackendSettings, type MetricBackend, type SecretKey } from './backend.js';

const SECRET_KEYS: readonly SecretKey[] = [
  { name: 'token', required: false, what: 'sent as Authorization: Bearer' },
  { name: 'username', required: false, what: 'basic auth user (with password)' },
  { name: 'password', required: false, what: 'basic auth password (with username)' },
];

export const prometheus: MetricBackend = {
  title: 'Prometheus',
  secretKeys: SECRET_KEYS,
  window: 'none added: the PromQL sets it ([{{ interval }}])',
  probe: 'vector(1) returns 1',
  manySeries: { rule: 'last', oneSeries: 'aggregate it with sum()' },
  connect: (settings) => connectPrometheus(settings),
};

function connectPrometheus(settings: BackendSettings): BackendClient {
  if (!settings.address) throw configError('Prometheus', '', "no address: set spec.provider.address or the Canary's metricsServer");
  const secret = settings.secret;
  let auth: { bearerToken?: string; username?: string; password?: string } = {};
  if (secret) {
    if (secret.token) auth = { bearerToken: secret.token };
    else if (secret.username && secret.password) auth = { username: secret.username, password: secret.password };
    else throw configError('Prometheus', settings.address, 'its secret has neither a token nor a username and password');
  }
  return new PrometheusClient({
    address: settings.address,
    ...auth,
    ...(settings.headers ? { headers: settings.headers } : {}),
    ...(settings.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
  });
}
