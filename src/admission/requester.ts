// Who is asking: small predicates over an AdmissionRequest's user and options.
import type { AdmissionRequest } from './review.js';

/** The field manager of a create, update or patch; undefined for deletes and old clients. */
export function fieldManagerOf(request: AdmissionRequest): string | undefined {
  const manager = request.options?.fieldManager;
  return typeof manager === 'string' ? manager : undefined;
}

const KUBE_SYSTEM_SERVICE_ACCOUNT = 'system:serviceaccount:kube-system:';
/** kube-controller-manager runs with its own identity unless --use-service-account-credentials. */
const CONTROL_PLANE_USERS = ['system:kube-controller-manager', 'system:kube-scheduler'];

/** A control-plane controller: the garbage collector, the deployment controller, ... */
export function isKubeSystemController(request: AdmissionRequest): boolean {
  const user = request.userInfo.username ?? '';
  return user.startsWith(KUBE_SYSTEM_SERVICE_ACCOUNT) || CONTROL_PLANE_USERS.includes(user);
}

export function usernameOf(request: AdmissionRequest): string {
  return request.userInfo.username || 'unknown';
}
