// Who this process is to the apiserver: a SelfSubjectReview (authentication.k8s.io/v1, GA since
// Kubernetes 1.28) echoes the authenticated user of the request that creates it. The admission
// webhooks compare request.userInfo.username with it to recognise the operator's own writes.
// Every authenticated user may create one (the system:basic-user ClusterRole), so no RBAC grant.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeTransport } from '../kube/transport.js';

interface SelfSubjectReview {
  status?: { userInfo?: { username?: string } };
}

const PATH = '/apis/authentication.k8s.io/v1/selfsubjectreviews';

/** The username the apiserver authenticates this kubeconfig as, e.g. system:serviceaccount:sluice-system:sluice. */
export async function selfSubjectUsername(kubeConfig: KubeConfig, transport = new KubeTransport(kubeConfig)): Promise<string> {
  const result = await transport.send<SelfSubjectReview>({
    method: 'POST',
    path: PATH,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    timeoutMs: 10_000,
  });
  if (!result.ok) {
    throw new Error(`cannot learn the operator's username from a SelfSubjectReview (POST ${PATH}, Kubernetes 1.28 or later): ${result.error.message}`);
  }
  const username = result.data?.status?.userInfo?.username;
  if (!username) throw new Error(`the SelfSubjectReview answer (POST ${PATH}) names no status.userInfo.username`);
  return username;
}
