// The shared Kubernetes client layer: configuration, a typed client over plain JSON, errors,
// resource naming, Events, access reviews and self-healing informers.
export { loadKubeConfig, kubeConfigOrigin, type KubeConfigSource } from './config.js';
export { KubeClient, SLUICE_FIELD_MANAGER, type ListOptions, type WriteOptions, type ApplyOptions, type DeleteOptions } from './client.js';
export { KubeError, isNotFound, isConflict, isAlreadyExists, type KubeStatus } from './errors.js';
export { KubeTransport, type KubeRequest, type KubeResult } from './transport.js';
export { Discovery } from './discovery.js';
export { reviewAccess, type ResourceAccess, type AccessAnswer } from './access-review.js';
export {
  RESOURCES,
  resourcePath,
  apiVersionOf,
  parseApiVersion,
  describeObject,
  type ResourceType,
  type KubeObject,
  type KubeList,
  type OwnerReference,
} from './resources.js';
export { newEvent, eventName, rfc3339, type CoreEvent, type EventType, type InvolvedObject } from './events.js';
export {
  startInformer,
  backoffDelay,
  dropManagedFields,
  DEFAULT_BACKOFF,
  type WatchedCache,
  type InformerOptions,
  type Backoff,
  type ObjectHandler,
} from './informer.js';
