// `<ingress>-canary`, the copy of the user's Ingress (`spec.ingressRef`) that the Ingress-based
// routers (nginx, skipper) write: the user's spec with its apex backends rewritten, the user's
// labels, and annotations of the router's making. The copy is the user's object, so it goes through
// a raw ApiObject like the pod template: nothing the user wrote is lost.
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { providerEntry } from '../../api/providers.js';
import { fail } from '../errors.js';
import { isJsonObject, type JsonObject, type KubeObject } from '../kube-json.js';
import { withoutForeignKeys } from '../ownership.js';
import type { RouteContext } from './router.js';

export interface CanaryIngressRewrite {
  /** Rewrites the copied spec's backends of the apex Service in place; false when it has none. */
  readonly backends: (spec: JsonObject) => boolean;
  /** The copy's annotations, from the user's. */
  readonly annotations: (theirs: Record<string, string>) => Record<string, string>;
}

/** The Ingress of `spec.ingressRef` copied as `<ingress>-canary`, rewritten by the router. */
export function canaryIngress(scope: Construct, ctx: RouteContext, rewrite: CanaryIngressRewrite): ApiObject {
  const ingress = referencedIngress(scope, ctx);
  const name = `${ingress.metadata.name}-canary`;
  const spec = structuredClone(isJsonObject(ingress.spec) ? ingress.spec : {});
  if (!rewrite.backends(spec)) fail(scope, 'spec.ingressRef', `Ingress ${ingress.metadata.name} has no backend for Service ${ctx.names.apex}`);
  return new ApiObject(scope, `Ingress-${name}`, {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name,
      namespace: ctx.namespace,
      labels: withoutForeignKeys(ingress.metadata.labels),
      annotations: rewrite.annotations(ingress.metadata.annotations ?? {}),
      ...(ctx.ownerReferences.length ? { ownerReferences: ctx.ownerReferences } : {}),
    },
    spec,
  });
}

/** The Ingress of `spec.ingressRef`, checked against the reference. */
function referencedIngress(scope: Construct, ctx: RouteContext): KubeObject {
  const ref = ctx.canary.spec.ingressRef;
  const provider = ctx.resolved.provider;
  if (!ref?.name) {
    const why = providerEntry(provider)?.requires?.find((r) => r.path === 'spec.ingressRef')?.why;
    fail(scope, 'spec.ingressRef', `is required when provider is ${provider}${why ? ` (${why})` : ''}`);
  }
  const given = ctx.referenced.ingress;
  if (!given) fail(scope, 'spec.ingressRef', `Ingress ${ctx.namespace}/${ref.name} was not given`);
  if (given.metadata.name !== ref.name) fail(scope, 'spec.ingressRef.name', `names Ingress ${ref.name} but ${given.metadata.name} was given`);
  return given;
}
