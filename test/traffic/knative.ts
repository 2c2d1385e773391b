// What Knative Serving's controller would do for a Knative Service, as a pure step (no Knative runs
// here; knative-controller.ts carries the step out against the API server). For every change of the
// revision template a new Revision `<service>-<n, 5 digits>` (or the template's own name), whose pods
// run as the Deployment `<revision>-deployment` behind the Service `<revision>-private`, as Knative
// names them; then the Service's status: observedGeneration, latestCreatedRevisionName,
// latestReadyRevisionName (the newest revision with an available pod), and status.traffic resolved
// from spec.traffic (`latestRevision: true` means the latest ready revision, as Knative's route
// resolves it; no spec.traffic means all of it there). Not simulated: Revision and Configuration
// objects, scale to zero and the activator, tags and URLs, a revision that never gets ready.
import { createHash } from 'node:crypto';
import type { KObj } from './types.js';

export const KSERVICE = { group: 'serving.knative.dev', version: 'v1', plural: 'services', kind: 'Service', namespaced: true };
export const DEPLOYMENTS = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true };

export const SERVICE_LABEL = 'serving.knative.dev/service';
export const REVISION_LABEL = 'serving.knative.dev/revision';
/** Knative's label of a revision's configuration generation: the n of `<service>-0000n`. */
export const GENERATION_LABEL = 'serving.knative.dev/configurationGeneration';
/** The simulation's own record of the template a revision was made of. */
export const TEMPLATE_HASH_ANNOTATION = 'sim.sluice.dev/template-hash';

export interface TrafficEntry {
  revisionName?: string;
  latestRevision?: boolean;
  percent?: number;
}

export interface KnativeStep {
  /** The Deployment and private Service of a new revision, when the template changed. */
  readonly create: KObj[];
  /** The Service's status as Knative would write it now. */
  readonly status: Record<string, unknown>;
}

const sorted = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sorted)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
        )
      : v;

export function templateHash(template: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(sorted(template ?? {})))
    .digest('hex')
    .slice(0, 16);
}

/** The revision Deployments of a Service, oldest first. */
export function revisionsOf(service: KObj, deployments: KObj[]): KObj[] {
  const name = service.metadata.name;
  const namespace = service.metadata.namespace ?? 'default';
  return deployments
    .filter((d) => (d.metadata.namespace ?? 'default') === namespace && d.metadata.labels?.[SERVICE_LABEL] === name)
    .sort((a, b) => Number(a.metadata.labels?.[GENERATION_LABEL] ?? 0) - Number(b.metadata.labels?.[GENERATION_LABEL] ?? 0));
}

const revisionName = (d: KObj): string => d.metadata.labels?.[REVISION_LABEL] ?? '';
const available = (d: KObj): boolean => (d.status?.availableReplicas ?? 0) >= 1;

/** The Deployment and private Service Knative would make for a revision of `service`'s template. */
export function revisionObjects(service: KObj, generation: number): { name: string; objects: KObj[] } {
  const svcName = service.metadata.name;
  const namespace = service.metadata.namespace ?? 'default';
  const template = service.spec?.template ?? {};
  const name: string = template.metadata?.name ?? `${svcName}-${String(generation).padStart(5, '0')}`;
  const labels = { [SERVICE_LABEL]: svcName, [REVISION_LABEL]: name, [GENERATION_LABEL]: String(generation), app: name };
  const podSpec = template.spec ?? {};
  // Knative names the user's container `user-container` when it has no name.
  const containers = (podSpec.containers ?? []).map((c: Record<string, unknown>, i: number) => ({ name: i === 0 ? 'user-container' : `container-${i}`, ...c }));
  const deployment: KObj = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${name}-deployment`, namespace, labels, annotations: { [TEMPLATE_HASH_ANNOTATION]: templateHash(template) } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { [REVISION_LABEL]: name } },
      template: { metadata: { labels: { ...template.metadata?.labels, ...labels } }, spec: { ...podSpec, containers } },
    },
  };
  const port = Number(containers[0]?.ports?.[0]?.containerPort ?? 8080);
  const privateService: KObj = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `${name}-private`, namespace, labels },
    spec: { selector: { [REVISION_LABEL]: name }, ports: [{ name: 'http', port: 80, targetPort: port }] },
  };
  return { name, objects: [deployment, privateService] };
}

/** status.traffic from spec.traffic, `latestRevision` resolved to the latest ready revision. */
export function resolveTraffic(spec: TrafficEntry[] | undefined, latestReady: string | undefined): TrafficEntry[] {
  const entries = spec?.length ? spec : [{ latestRevision: true, percent: 100 }];
  return entries
    .map((t) => ({ ...t, revisionName: t.latestRevision ? latestReady : t.revisionName, latestRevision: t.latestRevision === true, percent: t.percent ?? 0 }))
    .filter((t) => t.revisionName);
}

/** One step of the simulated Knative controller for one Service. */
export function knativeStep(service: KObj, deployments: KObj[]): KnativeStep {
  const revisions = revisionsOf(service, deployments);
  const latest = revisions.at(-1);
  const hash = templateHash(service.spec?.template);
  const create: KObj[] = [];
  let latestCreated = latest ? revisionName(latest) : undefined;
  if (!latest || latest.metadata.annotations?.[TEMPLATE_HASH_ANNOTATION] !== hash) {
    const generation = latest ? Number(latest.metadata.labels?.[GENERATION_LABEL] ?? 0) + 1 : 1;
    const made = revisionObjects(service, generation);
    create.push(...made.objects);
    latestCreated = made.name;
  }
  const latestReady = [...revisions].reverse().find(available);
  const latestReadyName = latestReady ? revisionName(latestReady) : undefined;
  const traffic = resolveTraffic(service.spec?.traffic, latestReadyName);
  const ready = latestReadyName !== undefined && latestReadyName === latestCreated;
  return {
    create,
    status: {
      observedGeneration: service.metadata.generation ?? 1,
      latestCreatedRevisionName: latestCreated,
      ...(latestReadyName ? { latestReadyRevisionName: latestReadyName } : {}),
      traffic,
      url: `http://${service.metadata.name}.${service.metadata.namespace ?? 'default'}.example.com`,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown', ...(ready ? {} : { reason: 'RevisionMissing' }) }],
    },
  };
}
