// Kuma TrafficRoute `<apex>`: splits the apex's Kuma service between the `-primary` and `-canary`
// Kuma services. Kuma names a Kubernetes Service port `<service>_<namespace>_svc_<port>`.
import type { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { TrafficRoute } from '../../imports/kuma-trafficroute-kuma.io.js';
import { apexMetadata } from './route-metadata.js';
import { podSelectorOf, type RouteContext, type Router } from './router.js';

export const KUMA_MESH_ANNOTATION = 'kuma.io/mesh';
const KUMA_SERVICE_TAG = 'kuma.io/service';

export const kumaRouter: Router = {
  provider: 'kuma',
  routes(scope: Construct, ctx: RouteContext): ApiObject[] {
    const { names, weights, namespace } = ctx;
    const port = ctx.resolved.service.port;
    const kumaService = (service: string) => ({ [KUMA_SERVICE_TAG]: `${service}_${namespace}_svc_${port}` });
    // TrafficRoute is cluster-scoped: no namespace, and no owner reference, since a cluster-scoped
    // object cannot be owned by a namespaced Canary (the garbage collector ignores such a reference).
    const { ownerReferences: _notAllowed, ...apex } = apexMetadata(ctx, names.apex, false);
    // Labelled like the apex Service (`app: <apex>`), as Flagger's TrafficRoute is.
    const metadata = { ...apex, labels: { ...apex.labels, [podSelectorOf(scope, ctx).key]: names.apex } };
    return [
      new TrafficRoute(scope, `TrafficRoute-${names.apex}`, {
        metadata,
        mesh: ctx.canary.metadata.annotations?.[KUMA_MESH_ANNOTATION] ?? 'default',
        spec: {
          sources: [{ match: { [KUMA_SERVICE_TAG]: '*' } }],
          destinations: [{ match: kumaService(names.apex) }],
          conf: {
            split: [
              { weight: weights.primary, destination: kumaService(names.primary) },
              { weight: weights.canary, destination: kumaService(names.canary) },
            ],
          },
        },
      }),
    ];
  },
};
