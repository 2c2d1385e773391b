// The manual gates of Flagger's load tester: in-memory, keyed "name.namespace" (rollback gates
// "rollback.name.namespace"), closed until someone opens them. Lost on restart, as in Flagger.
export type GateKind = 'gate' | 'rollback';

export class GateStore {
  private readonly open = new Set<string>();

  static key(kind: GateKind, name: string, namespace: string): string {
    return kind === 'rollback' ? `rollback.${name}.${namespace}` : `${name}.${namespace}`;
  }

  isOpen(key: string): boolean {
    return this.open.has(key);
  }

  setOpen(key: string, open: boolean): void {
    if (open) this.open.add(key);
    else this.open.delete(key);
  }
}
