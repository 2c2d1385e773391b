// The traffic providers Sluice routes for, and what each can do. Flagger's other providers
// (apisix, appmesh, knative, skipper, traefik) are not served yet: the CRD rejects them by name.

export interface ProviderCapabilities {
  /** Header/cookie match routing (A/B testing). */
  readonly abTesting: boolean;
  /** Shadowing a copy of live traffic to the canary. */
  readonly mirroring: boolean;
}

const CAPABILITIES: Record<string, ProviderCapabilities> = {
  istio: { abTesting: true, mirroring: true },
  linkerd: { abTesting: false, mirroring: false },
  'smi:v1alpha1': { abTesting: false, mirroring: false },
  'smi:v1alpha2': { abTesting: false, mirroring: false },
  'smi:v1alpha3': { abTesting: false, mirroring: false },
  osm: { abTesting: false, mirroring: false },
  kuma: { abTesting: false, mirroring: false },
  gloo: { abTesting: true, mirroring: false },
  'gatewayapi:v1': { abTesting: true, mirroring: true },
  'gatewayapi:v1beta1': { abTesting: true, mirroring: true },
  nginx: { abTesting: true, mirroring: false },
  contour: { abTesting: true, mirroring: false },
  kubernetes: { abTesting: false, mirroring: false },
};

export const SUPPORTED_PROVIDERS: readonly string[] = Object.keys(CAPABILITIES);

/** Flagger's global default (`-mesh-provider`); Sluice's operator flag can change it. */
export const DEFAULT_PROVIDER = 'istio';

export function isSupportedProvider(name: string): boolean {
  return Object.hasOwn(CAPABILITIES, name);
}

export function capabilitiesOf(provider: string): ProviderCapabilities {
  const caps = CAPABILITIES[provider];
  if (!caps) throw new Error(`unknown provider "${provider}"`);
  return caps;
}
