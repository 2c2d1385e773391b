// Sends simulated requests through the current routes: per route, `rps` requests per second; a share
// of them (matchShare) carries what the route's A/B match asks for; each request is served by the rule
// that accepts it, by a backend picked by weight, by one of the backend's Ready pods (round robin), and
// gets that pod's behaviour (error rate and code, latency). Every request is recorded in metrics.ts.
import type { ClusterView, Endpoint } from './endpoints.js';
import { matchingRequest, plainRequest, selectRule } from './match.js';
import type { Metrics } from './metrics.js';
import type { Backend, SimRequest, SimRoute } from './types.js';
import { FractionGate, RateAccumulator, WeightedPicker } from './weights.js';

export interface SimOptions {
  matchShare: number;
  /** Random jitter of latency, as a fraction (0.2 = +/-20 %). */
  jitter: number;
  random?: () => number;
}

export interface ServeResult {
  backend: Backend;
  endpoint?: Endpoint;
  status: number;
  latencyMs: number;
  mirrored?: boolean;
}

export class Simulator {
  private rates = new Map<string, RateAccumulator>();
  private abGates = new Map<string, FractionGate>();
  private pickers = new Map<string, WeightedPicker>();
  private mirrorGates = new Map<string, FractionGate>();
  private errorGates = new Map<string, FractionGate>();
  private rr = new Map<string, number>();
  readonly random: () => number;

  constructor(
    private metrics: Metrics | undefined,
    private opts: SimOptions,
  ) {
    this.random = opts.random ?? Math.random;
  }

  private get<T>(m: Map<string, T>, k: string, mk: () => T): T {
    let v = m.get(k);
    if (!v) {
      v = mk();
      m.set(k, v);
    }
    return v;
  }

  /** Simulates `dtSeconds` of traffic through `routes`; returns what was served (for tests and debugging). */
  tick(routes: SimRoute[], view: ClusterView, dtSeconds: number): ServeResult[] {
    const out: ServeResult[] = [];
    const live = new Set(routes.map((r) => r.key));
    for (const k of [...this.rates.keys()]) if (!live.has(k)) this.rates.delete(k);
    for (const route of routes) {
      const n = this.get(this.rates, route.key, () => new RateAccumulator()).take(route.rps, dtSeconds);
      if (n === 0) continue;
      const ab = matchingRequest(route, route.host);
      for (let i = 0; i < n; i++) {
        const useAb = ab !== undefined && this.get(this.abGates, route.key, () => new FractionGate()).next(this.opts.matchShare);
        const req: SimRequest = useAb ? structuredClone(ab) : plainRequest(route.host);
        out.push(...this.request(route, req, view));
      }
    }
    return out;
  }

  /** One request through one route. An unmatched request (no rule accepts it) is dropped. */
  request(route: SimRoute, req: SimRequest, view: ClusterView): ServeResult[] {
    const ri = selectRule(route, req);
    if (ri < 0) return [];
    const rule = route.rules[ri];
    const bi = this.get(this.pickers, `${route.key}#${ri}`, () => new WeightedPicker()).pick(rule.backends.map((b) => b.weight));
    if (bi < 0) return [];
    const out = [this.serve(route, rule.backends[bi], req, view)];
    if (rule.mirror && this.get(this.mirrorGates, `${route.key}#${ri}`, () => new FractionGate()).next(rule.mirror.percent / 100)) {
      out.push({ ...this.serve(route, rule.mirror.backend, req, view), mirrored: true });
    }
    return out;
  }

  /** A standard normal draw (Box-Muller) from `random`. */
  private gaussian(): number {
    const u = 1 - this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  serve(route: SimRoute, backend: Backend, req: SimRequest, view: ClusterView): ServeResult {
    const eps = backend.service ? view.endpoints(backend.namespace, backend.service) : [];
    const port = backend.port ?? (backend.service ? view.servicePort(backend.namespace, backend.service) : undefined);
    let res: ServeResult;
    if (eps.length === 0) {
      // No Ready pod: nothing reaches an app; proxies that sit in front answer 503 themselves.
      res = { backend, status: 503, latencyMs: 0 };
    } else {
      const rrKey = `${backend.namespace}/${backend.service}`;
      const i = (this.rr.get(rrKey) ?? 0) % eps.length;
      this.rr.set(rrKey, i + 1);
      const ep = eps[i];
      const b = ep.behaviour;
      const fail = b.randomErrors
        ? this.random() < b.errorRate
        : this.get(this.errorGates, `${ep.namespace}/${ep.workload}`, () => new FractionGate()).next(b.errorRate);
      const factor = b.latencySigma !== undefined ? Math.exp(b.latencySigma * this.gaussian()) : 1 + (this.random() * 2 - 1) * this.opts.jitter;
      res = { backend, endpoint: ep, status: fail ? b.errorCode : 200, latencyMs: Math.max(0.1, b.latencyMs * factor) };
    }
    this.metrics?.record({ route, backend, endpoint: res.endpoint, status: res.status, latencyMs: res.latencyMs, req, port }, route.families);
    return res;
  }
}
