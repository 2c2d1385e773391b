// Whether this process may do something, asked of the apiserver before trying it: a
// SelfSubjectAccessReview (authorization.k8s.io/v1), what `kubectl auth can-i` sends. Every
// authenticated user may create one (the system:basic-user ClusterRole), so it needs no rule in
// src/install/permissions.ts. The answer is a typed result, not a throw: the caller decides what an
// apiserver that did not answer means.
import type { KubeError } from './errors.js';
import type { ResourceType } from './resources.js';
import type { KubeTransport } from './transport.js';

const PATH = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews';

/** One verb on one kind, in one namespace or (namespace undefined) in every namespace. */
export interface ResourceAccess {
  readonly verb: string;
  readonly type: ResourceType;
  readonly namespace?: string;
}

/** The apiserver's verdict, with its reason when it gave one; or no verdict (network, timeout, an error status). */
export type AccessAnswer =
  { readonly answered: true; readonly allowed: boolean; readonly reason?: string } | { readonly answered: false; readonly error: KubeError };

interface SelfSubjectAccessReviewStatus {
  allowed?: boolean;
  reason?: string;
  evaluationError?: string;
}

export async function reviewAccess(transport: KubeTransport, { verb, type, namespace }: ResourceAccess): Promise<AccessAnswer> {
  const result = await transport.send<{ status?: SelfSubjectAccessReviewStatus }>({
    method: 'POST',
    path: PATH,
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      // An empty namespace asks about every namespace at once, as a cluster-wide list or watch needs.
      spec: { resourceAttributes: { verb, group: type.group, resource: type.plural, namespace: namespace ?? '' } },
    },
    timeoutMs: 10_000,
  });
  if (!result.ok) return { answered: false, error: result.error };
  const status = result.data?.status ?? {};
  // Not allowed without denied is "no opinion" from every authorizer: the request would be refused all the same.
  const reason = [status.reason, status.evaluationError].filter(Boolean).join('; ');
  return { answered: true, allowed: status.allowed === true, ...(reason ? { reason } : {}) };
}
