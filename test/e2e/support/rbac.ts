// RBAC checks shared by the install e2e tests (kustomize and Helm): what a ServiceAccount may do,
// asked of the real apiserver with a SubjectAccessReview (what `kubectl auth can-i --as` sends),
// for every grant a PermissionRule lists; and a login as a ServiceAccount with given rules, to run
// the operator under them. A review names group and resource itself, so it also asks about groups
// that discovery does not list, e.g. external.metrics.k8s.io while no adapter's APIService is
// registered (kubectl can-i cannot resolve those and would answer "no").
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { clusterEnv, kubectl, stateDir } from '../../support/cluster.js';
import { policyRuleOf, type PermissionRule } from '../../../src/install/permissions.js';

export interface CanICheck {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
}

/** The groups the apiserver gives a ServiceAccount's token (impersonation adds the same). */
function groupsOf(user: string): string[] {
  const sa = /^system:serviceaccount:([^:]+):[^:]+$/.exec(user);
  return sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`, 'system:authenticated'] : ['system:authenticated'];
}

/**
 * May `user` do it: "yes" or "no". `resource` is written as for kubectl: <plural>[.<group>][/<name>];
 * without a namespace the question is about all namespaces (or a cluster-scoped resource).
 */
export async function canIAs(user: string, verb: string, resource: string, opts: { namespace?: string; subresource?: string } = {}): Promise<string> {
  const [type, name] = resource.split('/', 2);
  const dot = type.indexOf('.');
  const review = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user,
      groups: groupsOf(user),
      resourceAttributes: {
        verb,
        resource: dot < 0 ? type : type.slice(0, dot),
        group: dot < 0 ? '' : type.slice(dot + 1),
        ...(name ? { name } : {}),
        ...(opts.subresource ? { subresource: opts.subresource } : {}),
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
      },
    },
  };
  // --raw: a plain POST, without kubectl's discovery and schema validation round trips.
  const answer = JSON.parse(
    await kubectl(['create', '--raw', '/apis/authorization.k8s.io/v1/subjectaccessreviews', '-f', '-'], { input: JSON.stringify(review) }),
  );
  return answer.status?.allowed === true ? 'yes' : 'no';
}

/** Every (verb, resource) a rule grants, as can-i arguments. */
export function checksOf(rule: PermissionRule, namespace?: string): CanICheck[] {
  return rule.resources.flatMap((res) =>
    rule.verbs.flatMap((verb) =>
      rule.apiGroups.flatMap((group) => {
        const [plural, subresource] = res.split('/');
        const type = group ? `${plural}.${group}` : plural;
        return (rule.resourceNames ?? [undefined]).map((name) => ({
          verb,
          resource: name ? `${type}/${name}` : type,
          ...(subresource ? { subresource } : {}),
          ...(namespace ? { namespace } : {}),
        }));
      }),
    ),
  );
}

/** Runs fn over items, `size` at a time (can-i is one apiserver round trip each). */
export async function inBatches<T, R>(items: T[], size: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export interface ServiceAccountLogin {
  /** A kubeconfig for the local cluster that authenticates as the ServiceAccount (a bound token). */
  readonly kubeconfig: string;
  /** Its username, for `kubectl auth can-i --as`. */
  readonly user: string;
  /** Deletes the ClusterRole and its binding (the namespace goes with the caller's). */
  remove(): Promise<void>;
}

/**
 * A ServiceAccount in `namespace` bound to a ClusterRole made of exactly `rules`, and a kubeconfig
 * with a token of it: so the operator can run outside the cluster with the permissions the
 * manifests would give it, not as admin.
 */
export async function serviceAccountLogin(namespace: string, name: string, rules: readonly PermissionRule[]): Promise<ServiceAccountLogin> {
  const role = `${name}-${namespace}`;
  await kubectl(['-n', namespace, 'create', 'serviceaccount', name]);
  await kubectl(['apply', '-f', '-'], {
    input: JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: { name: role },
          rules: rules.map(policyRuleOf),
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: { name: role },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [{ kind: 'ServiceAccount', name, namespace }],
        },
      ],
    }),
  });
  const token = (await kubectl(['-n', namespace, 'create', 'token', name, '--duration=1h'])).trim();
  const admin = parse(readFileSync(clusterEnv()!.KUBECONFIG, 'utf8'));
  const kubeconfig = join(stateDir, `kubeconfig-${role}`);
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: admin.clusters,
      users: [{ name: role, user: { token } }],
      contexts: [{ name: role, context: { cluster: admin.clusters[0].name, user: role } }],
      'current-context': role,
    }),
    { mode: 0o600 },
  );
  return {
    kubeconfig,
    user: `system:serviceaccount:${namespace}:${name}`,
    remove: async () => {
      rmSync(kubeconfig, { force: true });
      await kubectl(['delete', 'clusterrolebinding,clusterrole', role, '--ignore-not-found']);
    },
  };
}
