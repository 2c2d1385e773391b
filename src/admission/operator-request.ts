// Is this write the operator's own? The apiserver authenticates request.userInfo.username;
// request.options.fieldManager is whatever the client chose (`kubectl edit --field-manager=sluice`),
// so the username is what decides. The field manager stays as a second condition because the
// operator's username is not always its alone: run outside a cluster (npm start, `sluice run`
// against a kubeconfig) it shares the admin's credentials, and the admin's own `kubectl edit`
// must still be told no.
import { SLUICE_FIELD_MANAGER } from '../kube/field-manager.js';
import { fieldManagerOf } from './requester.js';
import type { AdmissionRequest } from './review.js';

/**
 * True for a write by the operator's authenticated user with Sluice's field manager. Without a
 * known operator username nothing is the operator's (fail closed: the guard denies, nothing is
 * exempt from the hold at zero).
 */
export function isOperatorRequest(request: AdmissionRequest, operatorUsername: string | undefined): boolean {
  if (!operatorUsername) return false;
  return request.userInfo.username === operatorUsername && fieldManagerOf(request) === SLUICE_FIELD_MANAGER;
}
