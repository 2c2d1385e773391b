// The revision of a Deployment's pod template: a short, stable hash of its canonical form.
//
// Why not hash the object as stored: the apiserver fills in defaults (terminationMessagePath,
// protocol TCP, dnsPolicy ...) and new Kubernetes versions add new ones. Flagger hashed a Go
// struct dump, so an upgrade of Kubernetes or Flagger changed every hash and started a rollout
// of every Canary (fluxcd/flagger#1201, #1673, #1799). Here a field holding the value the
// apiserver would default it to counts as absent, empty objects and arrays count as absent,
// and keys are sorted: two templates that mean the same pod hash the same.
//
// Compatibility: the hash is stored in Canary status (lastAppliedSpec, lastPromotedSpec).
// Changing the canonical form changes every hash, which is exactly the bug this avoids:
// only ever add defaults here that no real template could depend on being present.
import { createHash } from 'node:crypto';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The revision of a pod template: 16 hex characters of sha256 over its canonical JSON. */
export function templateRevision(podTemplate: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(canonicalTemplate(podTemplate)))
    .digest('hex')
    .slice(0, 16);
}

/** The pod template with defaulted values and empty values removed; keys are not yet sorted. */
export function canonicalTemplate(podTemplate: unknown): Json {
  const template = toJson(podTemplate);
  if (!isObject(template)) return prune(template) ?? {};
  const out = { ...template };
  if (isObject(out.metadata)) out.metadata = canonicalTemplateMeta(out.metadata);
  if (isObject(out.spec)) out.spec = canonicalPodSpec(out.spec);
  return prune(out) ?? {};
}

/** JSON with object keys sorted at every level, so key order never changes a hash. */
export function canonicalJson(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

// ------------------------------------------------------------------ defaults, by object type

/** A field the apiserver sets when it is absent, and the value it sets. */
type Defaults = Record<string, Json>;

// pkg/apis/core/v1/defaults.go SetDefaults_PodSpec (and enableServiceLinks, defaulted to true).
const POD_SPEC_DEFAULTS: Defaults = {
  restartPolicy: 'Always',
  terminationGracePeriodSeconds: 30,
  dnsPolicy: 'ClusterFirst',
  schedulerName: 'default-scheduler',
  enableServiceLinks: true,
};

// SetDefaults_Container (imagePullPolicy is handled by pullPolicyDefault: it depends on the tag).
const CONTAINER_DEFAULTS: Defaults = {
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};

const PORT_DEFAULTS: Defaults = { protocol: 'TCP' };

// SetDefaults_Probe.
const PROBE_DEFAULTS: Defaults = { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 };

const HTTP_GET_DEFAULTS: Defaults = { scheme: 'HTTP' };

// SetDefaults_ObjectFieldSelector / ResourceFieldSelector (divisor defaults to "0").
const FIELD_REF_DEFAULTS: Defaults = { apiVersion: 'v1' };
const RESOURCE_FIELD_REF_DEFAULTS: Defaults = { divisor: '0' };

// SetDefaults_*VolumeSource: mode 0644 is 420 in JSON.
const VOLUME_MODE_DEFAULTS: Defaults = { defaultMode: 420 };
const HOST_PATH_DEFAULTS: Defaults = { type: '' };

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'];
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'];
const LIFECYCLE_HOOKS = ['postStart', 'preStop'];
const MODE_VOLUMES = ['secret', 'configMap', 'downwardAPI', 'projected'];

function canonicalTemplateMeta(meta: JsonObject): JsonObject {
  // Typed clients serialise an unset creationTimestamp as null.
  const { creationTimestamp, ...rest } = meta;
  return creationTimestamp === null ? rest : meta;
}

function canonicalPodSpec(spec: JsonObject): JsonObject {
  const out = dropDefaults(spec, POD_SPEC_DEFAULTS);
  // serviceAccount is the deprecated alias the apiserver copies from serviceAccountName.
  if (out.serviceAccount !== undefined && out.serviceAccount === out.serviceAccountName) delete out.serviceAccount;
  for (const list of CONTAINER_LISTS) {
    if (Array.isArray(out[list])) out[list] = out[list].map((c) => (isObject(c) ? canonicalContainer(c) : c));
  }
  if (Array.isArray(out.volumes)) out.volumes = out.volumes.map((v) => (isObject(v) ? canonicalVolume(v) : v));
  return out;
}

function canonicalContainer(container: JsonObject): JsonObject {
  const out = dropDefaults(container, CONTAINER_DEFAULTS);
  if (typeof out.image === 'string' && out.imagePullPolicy === pullPolicyDefault(out.image)) delete out.imagePullPolicy;
  if (Array.isArray(out.ports)) out.ports = out.ports.map((p) => (isObject(p) ? dropDefaults(p, PORT_DEFAULTS) : p));
  for (const probe of PROBES) {
    if (isObject(out[probe])) out[probe] = canonicalHandler(dropDefaults(out[probe], PROBE_DEFAULTS));
  }
  if (isObject(out.lifecycle)) {
    const lifecycle = { ...out.lifecycle };
    for (const hook of LIFECYCLE_HOOKS) if (isObject(lifecycle[hook])) lifecycle[hook] = canonicalHandler(lifecycle[hook]);
    out.lifecycle = lifecycle;
  }
  if (Array.isArray(out.env)) out.env = out.env.map((e) => (isObject(e) ? canonicalEnvVar(e) : e));
  return out;
}

function canonicalHandler(handler: JsonObject): JsonObject {
  return isObject(handler.httpGet) ? { ...handler, httpGet: dropDefaults(handler.httpGet, HTTP_GET_DEFAULTS) } : handler;
}

function canonicalEnvVar(env: JsonObject): JsonObject {
  if (!isObject(env.valueFrom)) return env;
  const from = { ...env.valueFrom };
  if (isObject(from.fieldRef)) from.fieldRef = dropDefaults(from.fieldRef, FIELD_REF_DEFAULTS);
  if (isObject(from.resourceFieldRef)) from.resourceFieldRef = dropDefaults(from.resourceFieldRef, RESOURCE_FIELD_REF_DEFAULTS);
  return { ...env, valueFrom: from };
}

function canonicalVolume(volume: JsonObject): JsonObject {
  const out = { ...volume };
  for (const kind of MODE_VOLUMES) if (isObject(out[kind])) out[kind] = dropDefaults(out[kind], VOLUME_MODE_DEFAULTS);
  if (isObject(out.hostPath)) out.hostPath = dropDefaults(out.hostPath, HOST_PATH_DEFAULTS);
  if (isObject(out.downwardAPI) && Array.isArray(out.downwardAPI.items)) {
    out.downwardAPI = { ...out.downwardAPI, items: out.downwardAPI.items.map(canonicalDownwardItem) };
  }
  if (isObject(out.projected) && Array.isArray(out.projected.sources)) {
    out.projected = { ...out.projected, sources: out.projected.sources.map(canonicalProjection) };
  }
  return out;
}

function canonicalDownwardItem(item: Json): Json {
  if (!isObject(item)) return item;
  const out = { ...item };
  if (isObject(out.fieldRef)) out.fieldRef = dropDefaults(out.fieldRef, FIELD_REF_DEFAULTS);
  if (isObject(out.resourceFieldRef)) out.resourceFieldRef = dropDefaults(out.resourceFieldRef, RESOURCE_FIELD_REF_DEFAULTS);
  return out;
}

function canonicalProjection(source: Json): Json {
  if (!isObject(source) || !isObject(source.downwardAPI) || !Array.isArray(source.downwardAPI.items)) return source;
  return { ...source, downwardAPI: { ...source.downwardAPI, items: source.downwardAPI.items.map(canonicalDownwardItem) } };
}

/** The apiserver's imagePullPolicy default: Always for ":latest" or no tag, else IfNotPresent. */
export function pullPolicyDefault(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon === -1) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

// ------------------------------------------------------------------ generic helpers

function dropDefaults(obj: JsonObject, defaults: Defaults): JsonObject {
  const out = { ...obj };
  for (const [key, value] of Object.entries(defaults)) if (out[key] === value) delete out[key];
  return out;
}

/** Removes null, empty objects and empty arrays, bottom up; undefined when nothing is left. */
function prune(value: Json): Json | undefined {
  if (value === null) return undefined;
  if (Array.isArray(value)) {
    // Array elements keep their positions: an empty container spec is still a container.
    const items = value.map((v) => prune(v) ?? {});
    return items.length ? items : undefined;
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const pruned = prune(v);
      if (pruned !== undefined) out[k] = pruned;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A plain-JSON copy: class instances, Dates and undefined fields become what the API would send. */
function toJson(value: unknown): Json {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as Json;
}
