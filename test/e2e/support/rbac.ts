// RBAC checks shared by the install e2e tests (kustomize and Helm): what a ServiceAccount may do,
// asked of the real apiserver with `kubectl auth can-i --as`, for every grant a PermissionRule lists.
import { kubectl, KubectlError } from '../../support/cluster.js';
import type { PermissionRule } from '../../../src/install/permissions.js';

export interface CanICheck { verb: string; resource: string; subresource?: string; namespace?: string }

/** kubectl auth can-i as `user`: "yes" or "no". */
export async function canIAs(user: string, verb: string, resource: string, opts: { namespace?: string; subresource?: string } = {}): Promise<string> {
  const args = ['auth', 'can-i', verb, resource, `--as=${user}`];
  if (opts.subresource) args.push(`--subresource=${opts.subresource}`);
  args.push(...(opts.namespace ? ['-n', opts.namespace] : ['--all-namespaces']));
  try {
    return (await kubectl(args)).trim();
  } catch (err) {
    // can-i exits 1 for "no" and prints it.
    if (err instanceof KubectlError) return err.stdout.trim();
    throw err;
  }
}

/** Every (verb, resource) a rule grants, as can-i arguments. */
export function checksOf(rule: PermissionRule, namespace?: string): CanICheck[] {
  return rule.resources.flatMap((res) => rule.verbs.flatMap((verb) => rule.apiGroups.flatMap((group) => {
    const [plural, subresource] = res.split('/');
    const type = group ? `${plural}.${group}` : plural;
    return (rule.resourceNames ?? [undefined]).map((name) => ({
      verb, resource: name ? `${type}/${name}` : type, ...(subresource ? { subresource } : {}), ...(namespace ? { namespace } : {}),
    }));
  })));
}

/** Runs fn over items, `size` at a time (can-i is one apiserver round trip each). */
export async function inBatches<T, R>(items: T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...await Promise.all(items.slice(i, i + size).map(fn)));
  return out;
}
