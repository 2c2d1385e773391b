// The router of every provider Sluice serves (src/api/providers.ts lists the same names).
import { contourRouter } from './contour.js';
import { gatewayApiRouter } from './gatewayapi.js';
import { glooRouter } from './gloo.js';
import { istioRouter } from './istio.js';
import { kubernetesRouter } from './kubernetes.js';
import { kumaRouter } from './kuma.js';
import { nginxRouter } from './nginx.js';
import type { Router } from './router.js';
import { smiRouter } from './smi.js';

const ROUTERS: ReadonlyMap<string, Router> = new Map(
  [
    istioRouter,
    smiRouter('linkerd', 'v1alpha1'),
    smiRouter('smi:v1alpha1', 'v1alpha1'),
    smiRouter('smi:v1alpha2', 'v1alpha2'),
    smiRouter('smi:v1alpha3', 'v1alpha3'),
    smiRouter('osm', 'v1alpha2'),
    kumaRouter,
    glooRouter,
    gatewayApiRouter('gatewayapi:v1', 'v1'),
    gatewayApiRouter('gatewayapi:v1beta1', 'v1beta1'),
    nginxRouter,
    contourRouter,
    kubernetesRouter,
  ].map((r) => [r.provider, r]),
);

/** The router for `provider`, or undefined when Sluice has none. */
export function routerFor(provider: string): Router | undefined {
  return ROUTERS.get(provider);
}

export const ROUTED_PROVIDERS: readonly string[] = [...ROUTERS.keys()];
