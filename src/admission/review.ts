// The AdmissionReview (admission.k8s.io/v1) as the apiserver sends it, checked strictly, and
// the responses Sluice sends back. Anything that is not a well-formed v1 review is refused
// with the reason, never half-handled.

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}
export interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  userInfo: UserInfo;
  object?: Record<string, unknown> | null;
  oldObject?: Record<string, unknown> | null;
  dryRun?: boolean;
  /** CreateOptions, UpdateOptions (or PatchOptions turned into them) or DeleteOptions. */
  options?: { fieldManager?: string; [key: string]: unknown } | null;
}

export interface AdmissionReview {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  request: AdmissionRequest;
}

export interface AdmissionStatus {
  code: number;
  reason?: string;
  message: string;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: AdmissionStatus;
  patchType?: 'JSONPatch';
  /** base64 of a JSON Patch (RFC 6902). */
  patch?: string;
  /** Shown by kubectl as "Warning: ...". */
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** What a handler decided: the review to send back and one sentence for the log. */
export interface AdmissionVerdict {
  readonly review: AdmissionReviewResponse;
  readonly note: string;
}

export type ParsedReview = { ok: true; review: AdmissionReview } | { ok: false; reason: string };

/**
 * Deepest nesting accepted, the review itself being level 1. A Deployment's deepest field sits
 * about 12 levels down; a review nested thousands deep would only exhaust the stack of the
 * recursive code behind (hashing, diffing, validation) and answer 500.
 */
export const MAX_REVIEW_DEPTH = 100;

/** Whether JSON `value` nests deeper than `max` objects and arrays; iterative, so any depth is safe to ask. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * nestsDeeperThan on the UTF-8 text, before JSON.parse builds it: one pass counting brackets
 * outside strings. Parsing 4 MiB of `[[[[...` took 3.5 s of the event loop and 150 MB, shared
 * with the controller. Invalid JSON may count wrong; the parser refuses it anyway.
 */
export function jsonTextNestsDeeperThan(text: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next byte is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isOptionalRecord = (v: unknown) => v === undefined || v === null || isRecord(v);
const isString = (v: unknown): v is string => typeof v === 'string';

/** One check of a review's request: says what is wrong with its part, or undefined when nothing is. */
type RequestCheck = (r: Record<string, unknown>) => string | undefined;

const uidMissing: RequestCheck = (r) => (!isString(r.uid) || r.uid === '' ? 'request.uid is missing' : undefined);

const operationUnknown: RequestCheck = (r) =>
  OPERATIONS.includes(r.operation as Operation) ? undefined : `request.operation must be one of ${OPERATIONS.join(', ')}, got ${JSON.stringify(r.operation)}`;

const kindMalformed: RequestCheck = (r) =>
  !isRecord(r.kind) || !isString(r.kind.kind) || !isString(r.kind.version) || !isString(r.kind.group ?? '')
    ? 'request.kind must be {group, version, kind}'
    : undefined;

const resourceMalformed: RequestCheck = (r) =>
  !isRecord(r.resource) || !isString(r.resource.resource) || !isString(r.resource.version) ? 'request.resource must be {group, version, resource}' : undefined;

const userInfoMalformed: RequestCheck = (r) => {
  if (r.userInfo !== undefined && !isRecord(r.userInfo)) return 'request.userInfo must be an object';
  if (isRecord(r.userInfo) && r.userInfo.username !== undefined && !isString(r.userInfo.username)) return 'request.userInfo.username must be a string';
  return undefined;
};

const objectsMalformed: RequestCheck = (r) => {
  for (const field of ['object', 'oldObject', 'options'] as const) {
    if (!isOptionalRecord(r[field])) return `request.${field} must be an object`;
  }
  return undefined;
};

const namesMalformed: RequestCheck = (r) => {
  for (const field of ['name', 'namespace', 'subResource'] as const) {
    if (r[field] !== undefined && !isString(r[field])) return `request.${field} must be a string`;
  }
  return undefined;
};

/** In the order they are reported: the first that finds something wrong is the reason. */
const REQUEST_CHECKS: readonly RequestCheck[] = [
  uidMissing,
  operationUnknown,
  kindMalformed,
  resourceMalformed,
  userInfoMalformed,
  objectsMalformed,
  namesMalformed,
];

/** Checks a parsed JSON body is an admission.k8s.io/v1 AdmissionReview request; says what is wrong if not. */
export function parseAdmissionReview(body: unknown): ParsedReview {
  const fail = (reason: string): ParsedReview => ({ ok: false, reason });
  if (!isRecord(body)) return fail('body is not a JSON object');
  if (nestsDeeperThan(body, MAX_REVIEW_DEPTH)) return fail(`nested deeper than ${MAX_REVIEW_DEPTH} levels`);
  if (body.apiVersion !== ADMISSION_API_VERSION) return fail(`apiVersion must be ${ADMISSION_API_VERSION}, got ${JSON.stringify(body.apiVersion)}`);
  if (body.kind !== 'AdmissionReview') return fail(`kind must be AdmissionReview, got ${JSON.stringify(body.kind)}`);
  const r = body.request;
  if (!isRecord(r)) return fail('request is missing');
  for (const check of REQUEST_CHECKS) {
    const reason = check(r);
    if (reason) return fail(reason);
  }
  const request = {
    ...r,
    kind: { group: '', ...(r.kind as Record<string, unknown>) },
    resource: { group: '', ...(r.resource as Record<string, unknown>) },
    userInfo: (r.userInfo ?? {}) as UserInfo,
  } as AdmissionRequest;
  return { ok: true, review: { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', request } };
}

function reviewOf(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

export function allow(request: Pick<AdmissionRequest, 'uid'>, note: string, warnings: string[] = []): AdmissionVerdict {
  return { review: reviewOf({ uid: request.uid, allowed: true, ...(warnings.length ? { warnings } : {}) }), note };
}

export function deny(request: Pick<AdmissionRequest, 'uid'>, code: number, reason: string, message: string): AdmissionVerdict {
  return { review: reviewOf({ uid: request.uid, allowed: false, status: { code, reason, message } }), note: message };
}

/** An allowed response carrying a JSON Patch; plain allow when there is nothing to patch. */
export function allowWithPatch(request: Pick<AdmissionRequest, 'uid'>, patch: readonly unknown[], note: string, warnings: string[] = []): AdmissionVerdict {
  if (patch.length === 0) return allow(request, note, warnings);
  const response: AdmissionResponse = {
    uid: request.uid,
    allowed: true,
    patchType: 'JSONPatch',
    patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
    ...(warnings.length ? { warnings } : {}),
  };
  return { review: reviewOf(response), note };
}

/** The JSON Patch of a response, decoded; [] when there is none. */
export function patchOf(review: AdmissionReviewResponse): unknown[] {
  const patch = review.response.patch;
  return patch ? (JSON.parse(Buffer.from(patch, 'base64').toString('utf8')) as unknown[]) : [];
}
