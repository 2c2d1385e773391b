// Outbound work a reconcile starts but does not wait for: gates (users' webhooks, metric queries),
// post-rollout hooks, event webhooks and alerts. Each Canary has one lane: its tasks run one after
// another in the order given. So a Canary has at most one such exchange in flight, a slow or
// drip-feeding endpoint delays only the Canary that names it, and the reconcile workers stay free
// for every other Canary (as Argo Rollouts runs its analysis apart from its reconcile loop).

export type LaneTask = () => Promise<void>;

export class CanaryLanes {
  /** The last task queued per key; the lane is idle when absent. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly onError: (key: string, err: unknown) => void) {}

  /** Queues `task` behind the key's earlier tasks. A task's failure never stops the lane. */
  run(key: string, task: LaneTask): void {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const tail: Promise<void> = previous
      .then(task)
      .catch((err: unknown) => this.onError(key, err))
      .finally(() => {
        if (this.tails.get(key) === tail) this.tails.delete(key);
      });
    this.tails.set(key, tail);
  }

  /** Keys with work queued or in flight. */
  get busy(): number {
    return this.tails.size;
  }

  /**
   * Waits for the tasks in flight, at most `withinMs`: every task has its own deadline, but a
   * webhook's may be minutes, longer than a pod's grace period. What is cut short is redone by
   * the next leader (gates) or was best-effort (webhooks, alerts).
   */
  async drain(withinMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, withinMs);
      timer.unref?.();
    });
    await Promise.race([Promise.allSettled([...this.tails.values()]), late]);
    clearTimeout(timer);
  }
}
