// After-hooks that always do every step: a step that fails (an operator already gone, a
// namespace already deleted) must not leave a later one undone (a component stopped, the cluster
// unchecked). The first error is thrown once all steps have run.
export async function cleanup(steps: Record<string, () => unknown>): Promise<void> {
  const errors: string[] = [];
  for (const [what, step] of Object.entries(steps)) {
    try {
      await step();
    } catch (e) {
      errors.push(`${what}: ${(e as Error).message ?? String(e)}`);
    }
  }
  if (errors.length) throw new Error(`cleanup: ${errors.join('; ')}`);
}
