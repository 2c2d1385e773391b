// Leader election on a coordination.k8s.io Lease, so that of several replicas exactly one
// runs the controller. Losing the lease stops the process's controller at once (the caller
// exits, as Flagger does), and a clean shutdown releases it so a standby takes over fast.
import type { Logger } from '../log.js';
import { RESOURCES, isConflict, isNotFound, type KubeClient } from '../kube/index.js';

export interface LeaderOptions {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string; leaseTransitions?: number };
}

/** Lease times are MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Whether a lease held by someone else has run out at `now`. */
export function leaseExpired(spec: Lease['spec'], now: number): boolean {
  if (!spec.holderIdentity) return true;
  const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now;
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private lastRenew = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: LeaderOptions,
    private readonly log: Logger,
  ) {}

  isLeader(): boolean {
    return this.leading;
  }

  /** Resolves once this replica leads; `onLost` runs if it stops leading. */
  async run(onLost: () => void): Promise<void> {
    while (!this.stopped) {
      if (await this.tryAcquireOrRenew()) break;
      await new Promise((r) => setTimeout(r, this.opts.retryPeriodMs));
    }
    if (this.stopped) return;
    this.leading = true;
    this.log.info({ lease: `${this.opts.namespace}/${this.opts.name}`, identity: this.opts.identity }, 'became leader');
    const renew = async () => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew().catch(() => false);
      if (!ok && Date.now() - this.lastRenew > this.opts.renewDeadlineMs) {
        this.leading = false;
        this.log.error('lost the leader lease');
        onLost();
        return;
      }
      this.timer = setTimeout(renew, this.opts.retryPeriodMs);
    };
    this.timer = setTimeout(renew, this.opts.retryPeriodMs);
  }

  /** Stops renewing; when leading, hands the lease back so another replica can take it now. */
  async release(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    const lease = await this.client.getIfExists<Lease>(RESOURCES.leases, this.opts.name, this.opts.namespace).catch(() => undefined);
    if (lease?.spec.holderIdentity !== this.opts.identity) return;
    await this.client
      .mergePatch(RESOURCES.leases, this.opts.name, this.opts.namespace, {
        metadata: { resourceVersion: lease.metadata.resourceVersion },
        spec: { holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime(Date.now()) },
      })
      .catch((err: unknown) => this.log.warn({ err }, 'could not release the lease'));
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = Date.now();
    const { namespace, name, identity } = this.opts;
    const durationSeconds = Math.max(1, Math.round(this.opts.leaseDurationMs / 1000));
    let lease: Lease | undefined;
    try {
      lease = await this.client.getIfExists<Lease>(RESOURCES.leases, name, namespace);
    } catch (err) {
      this.log.warn({ err }, 'cannot read the leader lease');
      return false;
    }
    try {
      if (!lease) {
        await this.client.create(RESOURCES.leases, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        } satisfies Lease);
      } else if (lease.spec.holderIdentity === identity || leaseExpired(lease.spec, now)) {
        const takeover = lease.spec.holderIdentity !== identity;
        await this.client.mergePatch(RESOURCES.leases, name, namespace, {
          metadata: { resourceVersion: lease.metadata.resourceVersion },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            renewTime: microTime(now),
            ...(takeover ? { acquireTime: microTime(now), leaseTransitions: (lease.spec.leaseTransitions ?? 0) + 1 } : {}),
          },
        });
      } else {
        return false;
      }
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return false;
      this.log.warn({ err }, 'cannot write the leader lease');
      return false;
    }
    this.lastRenew = now;
    return true;
  }
}
