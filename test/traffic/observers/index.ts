// Every provider observer, in one list.
import type { RouteObserver } from '../types.js';
import { apisix } from './apisix.js';
import { canary } from './canary.js';
import { contour } from './contour.js';
import { gatewayapi } from './gatewayapi.js';
import { gloo } from './gloo.js';
import { glooMesh } from './gloo-mesh.js';
import { istio } from './istio.js';
import { knative } from './knative.js';
import { kuma } from './kuma.js';
import { nginx } from './nginx.js';
import { skipper } from './skipper.js';
import { smi } from './smi.js';
import { traefik } from './traefik.js';

export const observers: RouteObserver[] = [istio, smi, kuma, gloo, glooMesh, gatewayapi, nginx, contour, traefik, apisix, skipper, knative, canary];
export { canary };
