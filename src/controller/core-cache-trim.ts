// What the controller's caches of core kinds (Deployments, DaemonSets, Services, HPAs,
// ConfigMaps) keep of each object: all of it but metadata.managedFields and the copy of the object
// that `kubectl apply` keeps in an annotation, which is often as large as the object itself.
// Neither is read from these caches: synthesis leaves the kubectl annotation out of every copy
// (synth/ownership.ts), and the one reader of it, the VirtualService takeover, reads the routing
// caches, which keep it.
import { dropManagedFields, type KubeObject } from '../kube/index.js';
import { KUBECTL_LAST_APPLIED_ANNOTATION } from './takeover-objects.js';

export function trimCoreObject(object: KubeObject): void {
  dropManagedFields(object);
  const annotations = object?.metadata?.annotations as Record<string, string> | undefined;
  if (annotations && KUBECTL_LAST_APPLIED_ANNOTATION in annotations) delete annotations[KUBECTL_LAST_APPLIED_ANNOTATION];
}
