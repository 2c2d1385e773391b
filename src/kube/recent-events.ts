// What this process last wrote for its most recent Events: count and resourceVersion per Event
// name. With it a repeated Event is one conditional PATCH instead of POST (409), GET and PATCH;
// client-go's event correlator keeps the same kind of bounded cache (4,096 entries). Oldest
// entries go first; a restarted process starts empty and learns from the apiserver again.

export interface RecentEvent {
  readonly count: number;
  readonly resourceVersion?: string;
}

export const RECENT_EVENTS_MAX = 4096;

export class RecentEvents {
  private readonly entries = new Map<string, RecentEvent>();

  constructor(private readonly max = RECENT_EVENTS_MAX) {}

  get(key: string): RecentEvent | undefined {
    const entry = this.entries.get(key);
    if (entry) {
      // Map keeps insertion order: re-inserting marks it most recent.
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: RecentEvent): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
