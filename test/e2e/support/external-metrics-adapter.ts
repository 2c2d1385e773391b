// An external metrics adapter of the tests' own (what KEDA or a cloud vendor's adapter is in a real
// cluster), served through the real apiserver's aggregation layer: the APIService
// v1beta1.external.metrics.k8s.io names a Service, and the apiserver proxies
// /apis/external.metrics.k8s.io/v1beta1/... to this HTTPS server after authorizing the caller.
// There is no kube-proxy here, so the Service is an ExternalName for localhost (the apiserver
// dials externalName:port for those) and the certificate is for the name the apiserver checks,
// <service>.<namespace>.svc. As a real adapter does, it believes the X-Remote-User header only on
// a request whose client certificate chains to the apiserver's front-proxy CA and names an allowed
// client, both read from kube-system/extension-apiserver-authentication.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { freePort } from '../../integration/support/free-port.js';
import { selfSignedCertificate } from '../../integration/support/self-signed.js';
import { RESOURCES, type KubeClient, type ResourceType } from '../../../src/kube/index.js';

const GROUP_VERSION = 'external.metrics.k8s.io/v1beta1';
const API = `/apis/${GROUP_VERSION}`;
export const API_SERVICES: ResourceType = { group: 'apiregistration.k8s.io', version: 'v1', plural: 'apiservices', namespaced: false, kind: 'APIService' };
export const API_SERVICE_NAME = 'v1beta1.external.metrics.k8s.io';

export interface ExternalMetricSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** A Kubernetes quantity, as adapters write it ("1500m", "12"). */
  readonly value: string;
}

export interface AdapterRequest {
  readonly path: string;
  readonly labelSelector?: string;
  /** X-Remote-User, as the apiserver's front proxy named the caller. */
  readonly user?: string;
  readonly groups: readonly string[];
}

export interface ExternalMetricsAdapter {
  readonly port: number;
  /** The server's certificate (PEM), for the APIService's caBundle. */
  readonly certificate: string;
  /** Metric requests that passed the front-proxy check, oldest first. */
  readonly requests: AdapterRequest[];
  set(namespace: string, metric: string, series: readonly ExternalMetricSeries[]): void;
  close(): Promise<void>;
}

/** Equality-based selectors ("app=podinfo,tier!=db"), the kind adapters commonly accept. */
export function matchesSelector(labels: Readonly<Record<string, string>>, selector: string | undefined): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(\S*)\s*$/.exec(term);
    if (!m) throw new Error(`unsupported label selector term ${JSON.stringify(term)}`);
    return m[2] === '!=' ? labels[m[1]] !== m[3] : labels[m[1]] === m[3];
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

/** Discovery: the one API group the adapter serves. */
function groupList() {
  const version = { groupVersion: GROUP_VERSION, version: 'v1beta1' };
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: 'external.metrics.k8s.io', versions: [version], preferredVersion: version }] };
}

/** Discovery: one resource per metric name set in any namespace (`keys` are "<namespace>/<metric>"). */
function resourceList(keys: string[]) {
  const names = [...new Set(keys.map((k) => k.split('/')[1]))];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: GROUP_VERSION,
    resources: names.map((name) => ({ name, singularName: '', namespaced: true, kind: 'ExternalMetricValueList', verbs: ['get'] })),
  };
}

export async function startExternalMetricsAdapter(
  service: { namespace: string; name: string },
  frontProxy: { ca: string; allowedNames: readonly string[] },
): Promise<ExternalMetricsAdapter> {
  const { key, cert } = selfSignedCertificate({ dns: [`${service.name}.${service.namespace}.svc`, 'localhost'] });
  const metrics = new Map<string, readonly ExternalMetricSeries[]>();
  const requests: AdapterRequest[] = [];

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    if (!socket.authorized || !frontProxy.allowedNames.includes(String(peer?.subject?.CN ?? ''))) {
      status(res, 401, 'Unauthorized', 'a client certificate of the front-proxy CA is required');
      return;
    }
    const url = new URL(req.url ?? '/', 'https://adapter');
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', `${req.method} is not served`);
    if (url.pathname === '/apis') return send(res, 200, groupList());
    if (url.pathname === API) return send(res, 200, resourceList([...metrics.keys()]));
    const m = new RegExp(`^${API}/namespaces/([^/]+)/([^/]+)$`).exec(url.pathname);
    if (!m) return status(res, 404, 'NotFound', `${url.pathname} is not served`);
    const [namespace, metric] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
    const labelSelector = url.searchParams.get('labelSelector') ?? undefined;
    // One X-Remote-Group header per group: headersDistinct keeps them apart.
    const user = req.headersDistinct['x-remote-user']?.[0];
    requests.push({
      path: url.pathname,
      ...(labelSelector ? { labelSelector } : {}),
      ...(user ? { user } : {}),
      groups: req.headersDistinct['x-remote-group'] ?? [],
    });
    let items: ExternalMetricSeries[];
    try {
      items = (metrics.get(`${namespace}/${metric}`) ?? []).filter((s) => matchesSelector(s.labels, labelSelector));
    } catch (err) {
      return status(res, 400, 'BadRequest', (err as Error).message);
    }
    // An unknown metric is an empty list, as adapters built on custom-metrics-apiserver answer.
    const timestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    send(res, 200, {
      kind: 'ExternalMetricValueList',
      apiVersion: GROUP_VERSION,
      metadata: {},
      items: items.map((s) => ({ metricName: metric, metricLabels: s.labels, timestamp, value: s.value })),
    });
  };

  const server: Server = createServer({ key, cert, ca: frontProxy.ca, requestCert: true, rejectUnauthorized: false }, handle);
  const port = await freePort();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port,
    certificate: cert,
    requests,
    set: (namespace, metric, series) => {
      metrics.set(`${namespace}/${metric}`, series);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The front-proxy CA and allowed client names the apiserver publishes for extension servers. */
export async function frontProxyTrust(admin: KubeClient): Promise<{ ca: string; allowedNames: string[] }> {
  const cm = await admin.get<{ data?: Record<string, string> }>(RESOURCES.configMaps, 'extension-apiserver-authentication', 'kube-system');
  const ca = cm.data?.['requestheader-client-ca-file'];
  if (!ca) throw new Error('the apiserver has no --requestheader-client-ca-file: the aggregation layer is off (test/cluster/up.sh)');
  return { ca, allowedNames: JSON.parse(cm.data?.['requestheader-allowed-names'] ?? '[]') };
}

/**
 * Registers the adapter: an ExternalName Service for localhost and the APIService, then waits until
 * the apiserver reports it Available (its discovery check reached the adapter over TLS).
 */
export async function registerAdapter(
  admin: KubeClient,
  service: { namespace: string; name: string },
  adapter: ExternalMetricsAdapter,
  timeoutMs = 60_000,
): Promise<void> {
  await admin.serverSideApply([
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service.name, namespace: service.namespace },
      spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port: adapter.port, protocol: 'TCP' }] },
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: API_SERVICE_NAME },
      spec: {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        groupPriorityMinimum: 100,
        versionPriority: 100,
        service: { namespace: service.namespace, name: service.name, port: adapter.port },
        caBundle: Buffer.from(adapter.certificate).toString('base64'),
      },
    },
  ]);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const api = await admin.get<{ status?: { conditions?: { type: string; status: string; message?: string }[] } }>(API_SERVICES, API_SERVICE_NAME);
    const available = api.status?.conditions?.find((c) => c.type === 'Available');
    if (available?.status === 'True') return;
    last = available?.message ?? '';
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`APIService ${API_SERVICE_NAME} not Available after ${timeoutMs}ms: ${last}`);
}

export async function unregisterAdapter(admin: KubeClient): Promise<void> {
  await admin.delete(API_SERVICES, API_SERVICE_NAME).catch(() => undefined);
}
