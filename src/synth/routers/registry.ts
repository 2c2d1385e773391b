// The router of every provider Sluice serves, keyed by the provider table's names
// (src/api/providers.ts): a provider without a router here does not compile.
import { apisixRouter } from './apisix.js';
import type { Provider } from '../../api/providers.js';
import { contourRouter } from './contour.js';
import { gatewayApiRouter } from './gatewayapi.js';
import { glooRouter } from './gloo.js';
import { glooMeshRouter } from './gloo-mesh.js';
import { istioRouter } from './istio.js';
import { knativeRouter } from './knative.js';
import { kubernetesRouter } from './kubernetes.js';
import { kumaRouter } from './kuma.js';
import { nginxRouter } from './nginx.js';
import type { Router } from './router.js';
import { skipperRouter } from './skipper.js';
import { smiRouter } from './smi.js';
import { traefikRouter } from './traefik.js';

const ROUTERS: Readonly<Record<Provider, Router>> = {
  istio: istioRouter,
  linkerd: smiRouter('linkerd', 'v1alpha1'),
  'smi:v1alpha1': smiRouter('smi:v1alpha1', 'v1alpha1'),
  'smi:v1alpha2': smiRouter('smi:v1alpha2', 'v1alpha2'),
  'smi:v1alpha3': smiRouter('smi:v1alpha3', 'v1alpha3'),
  osm: smiRouter('osm', 'v1alpha2'),
  kuma: kumaRouter,
  gloo: glooRouter,
  'gloo-mesh': glooMeshRouter,
  'gatewayapi:v1': gatewayApiRouter('gatewayapi:v1', 'v1'),
  'gatewayapi:v1beta1': gatewayApiRouter('gatewayapi:v1beta1', 'v1beta1'),
  nginx: nginxRouter,
  contour: contourRouter,
  traefik: traefikRouter,
  apisix: apisixRouter,
  skipper: skipperRouter,
  knative: knativeRouter,
  kubernetes: kubernetesRouter,
};

/** The router for `provider`, or undefined when Sluice has none. */
export function routerFor(provider: string): Router | undefined {
  return Object.hasOwn(ROUTERS, provider) ? ROUTERS[provider as Provider] : undefined;
}

export const ROUTED_PROVIDERS: readonly string[] = Object.keys(ROUTERS);
