// The validating webhook for Canary, MetricTemplate and AlertProvider: the API validation of
// src/api, every problem listed with its field path, so one failed apply says all that is wrong.
import { formatProblem } from '../api/problem.js';
import { validateDocument } from '../api/validate.js';
import { documentWarnings } from '../api/warnings.js';
import { API_GROUP } from '../api/types.js';
import { allow, deny, type AdmissionRequest, type AdmissionReview, type AdmissionVerdict } from './review.js';

export interface FlaggerValidationOptions {
  /** The operator's default provider, for Canaries that set none. */
  readonly defaultProvider?: string;
}

type Exemption = (request: AdmissionRequest) => string | undefined;

const notCreateOrUpdate: Exemption = (r) => (r.operation === 'CREATE' || r.operation === 'UPDATE' ? undefined : `${r.operation} is not validated`);

const notFlagger: Exemption = (r) => (r.kind.group === API_GROUP ? undefined : `${r.kind.group}/${r.kind.kind} is not a flagger.app kind`);

const subresource: Exemption = (r) => (r.subResource ? `the ${r.subResource} subresource is not validated` : undefined);

/** Removing the last finalizer of a Canary being deleted must never be blocked. */
const beingDeleted: Exemption = (r) =>
  r.operation === 'UPDATE' && (r.object?.metadata as { deletionTimestamp?: string } | undefined)?.deletionTimestamp ? 'object is being deleted' : undefined;

/**
 * An update that leaves spec alone (labels, annotations, finalizers) is allowed even when the
 * object was invalid before, e.g. created before this webhook existed: only new problems block.
 */
const specUnchanged: Exemption = (r) => (r.operation === 'UPDATE' && r.oldObject && sameJson(r.object?.spec, r.oldObject.spec) ? 'spec unchanged' : undefined);

export const VALIDATION_EXEMPTIONS: readonly Exemption[] = [notCreateOrUpdate, notFlagger, subresource, beingDeleted, specUnchanged];

export function validateFlaggerObject(review: AdmissionReview, options: FlaggerValidationOptions = {}): AdmissionVerdict {
  const request = review.request;
  for (const exemption of VALIDATION_EXEMPTIONS) {
    const reason = exemption(request);
    if (reason) return allow(request, reason);
  }
  const what = `${request.kind.kind} ${request.namespace ? `${request.namespace}/` : ''}${request.name ?? (request.object?.metadata as { name?: string } | undefined)?.name ?? ''}`;
  if (!request.object) return deny(request, 400, 'BadRequest', `${what}: the review carries no object to validate`);
  const problems = validateDocument(request.object, options.defaultProvider);
  if (problems === null) return allow(request, `${what}: not a kind Sluice validates`);
  if (problems.length === 0) return allow(request, `${what} is valid`, documentWarnings(request.object, options.defaultProvider).map(formatProblem));
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map(formatProblem);
  if (problems.length > MAX_LISTED_PROBLEMS) listed.push(`... and ${problems.length - MAX_LISTED_PROBLEMS} more`);
  return deny(request, 422, 'Invalid', `${what} is invalid (${count}): ${listed.join('; ')}`);
}

/** A fix-it list kubectl can show; thousands of problems (one per unknown field) are one mistake repeated. */
export const MAX_LISTED_PROBLEMS = 50;

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
