// Pure resolution of a backend Service to the pods that would serve it: Service selector -> the
// Running and Ready pods whose labels match (what the endpoints controller would list) -> for each pod,
// its workload (the Deployment, from the ReplicaSet owner and the pod-template-hash label) and the
// SLUICE_SIM_* behaviour from its containers' env (the env of the pod template it was created from).
import type { KObj } from './types.js';

export interface Behaviour {
  errorRate: number;
  errorCode: number;
  /** The latency; with latencySigma, the median of a log-normal distribution. */
  latencyMs: number;
  /** SLUICE_SIM_LATENCY_SIGMA: each latency is latencyMs * exp(sigma * Z), Z standard normal. */
  latencySigma?: number;
  /** SLUICE_SIM_ERRORS=random: each request fails with probability errorRate (else exactly that share). */
  randomErrors?: boolean;
}

export interface Endpoint {
  pod: string;
  namespace: string;
  /** Deployment name (or the pod's owner / the pod itself when not owned by a Deployment). */
  workload: string;
  workloadKind: string;
  labels: Record<string, string>;
  behaviour: Behaviour;
}

export const DEFAULT_LATENCY_MS = 3;

export function behaviourFromEnv(env: Record<string, string>): Behaviour {
  const f = (v: string | undefined, d: number) => (v !== undefined && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
  return {
    errorRate: Math.min(1, Math.max(0, f(env.SLUICE_SIM_ERROR_RATE, 0))),
    errorCode: Math.trunc(f(env.SLUICE_SIM_ERROR_CODE, 500)),
    latencyMs: Math.max(0, f(env.SLUICE_SIM_LATENCY_MS, DEFAULT_LATENCY_MS)),
    ...(env.SLUICE_SIM_LATENCY_SIGMA !== undefined ? { latencySigma: Math.max(0, f(env.SLUICE_SIM_LATENCY_SIGMA, 0)) } : {}),
    ...(env.SLUICE_SIM_ERRORS === 'random' ? { randomErrors: true } : {}),
  };
}

/** env values (literal `value` only) of all containers, first container first. */
export function podEnv(pod: KObj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const c of pod.spec?.containers ?? []) {
    for (const e of c?.env ?? []) if (e?.name && e.value !== undefined && !(e.name in env)) env[e.name] = String(e.value);
  }
  return env;
}

export function isServing(pod: KObj): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  if (pod.status?.phase !== 'Running') return false;
  const ready = (pod.status?.conditions ?? []).find((c: any) => c?.type === 'Ready');
  return ready?.status === 'True';
}

export function workloadOf(pod: KObj): { name: string; kind: string } {
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
  if (!owner) return { name: pod.metadata.name, kind: 'Pod' };
  const hash = pod.metadata.labels?.['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) return { name: owner.name.slice(0, -hash.length - 1), kind: 'Deployment' };
  return { name: owner.name, kind: owner.kind };
}

export function selectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false; // a Service without selector has no managed endpoints
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export class ClusterView {
  private services = new Map<string, KObj>();
  private podsByNs = new Map<string, KObj[]>();

  constructor(services: KObj[], pods: KObj[]) {
    for (const s of services) this.services.set(`${s.metadata.namespace ?? 'default'}/${s.metadata.name}`, s);
    for (const p of pods) {
      const n = p.metadata.namespace ?? 'default';
      if (!this.podsByNs.has(n)) this.podsByNs.set(n, []);
      this.podsByNs.get(n)!.push(p);
    }
  }

  service(namespace: string, name: string): KObj | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  /** First port of the Service (the one Flagger's Services carry), if any. */
  servicePort(namespace: string, name: string): number | undefined {
    const p = this.service(namespace, name)?.spec?.ports?.[0]?.port;
    return typeof p === 'number' ? p : undefined;
  }

  endpoints(namespace: string, name: string): Endpoint[] {
    const svc = this.service(namespace, name);
    if (!svc) return [];
    const sel = svc.spec?.selector as Record<string, string> | undefined;
    return (this.podsByNs.get(namespace) ?? [])
      .filter((p) => isServing(p) && selectorMatches(sel, p.metadata.labels))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map((p) => {
        const w = workloadOf(p);
        return {
          pod: p.metadata.name,
          namespace,
          workload: w.name,
          workloadKind: w.kind,
          labels: p.metadata.labels ?? {},
          behaviour: behaviourFromEnv(podEnv(p)),
        };
      });
  }
}
