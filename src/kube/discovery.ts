// From (apiVersion, kind) to the plural URL name, through the apiserver's discovery documents,
// which is what server-side apply of arbitrary objects needs. Results are cached per group
// version; a kind not found is looked up again once, since a CRD may have been installed since.
import { KubeError } from './errors.js';
import { RESOURCES, apiVersionOf, groupVersionPath, parseApiVersion, type ResourceType } from './resources.js';
import type { KubeTransport } from './transport.js';

interface ApiResourceList {
  groupVersion?: string;
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** The kinds of one discovery document, subresources ("deployments/scale") left out. */
export function resourcesOfGroupVersion(apiVersion: string, list: ApiResourceList): Map<string, ResourceType> {
  const { group, version } = parseApiVersion(apiVersion);
  const out = new Map<string, ResourceType>();
  for (const r of list.resources ?? []) {
    if (r.name.includes('/')) continue;
    out.set(r.kind, { group, version, plural: r.name, kind: r.kind, namespaced: r.namespaced });
  }
  return out;
}

const WELL_KNOWN = new Map<string, ResourceType>(Object.values(RESOURCES).map((r): [string, ResourceType] => [`${apiVersionOf(r)}|${r.kind}`, r]));

export class Discovery {
  private readonly cache = new Map<string, Map<string, ResourceType>>();

  constructor(private readonly transport: KubeTransport) {}

  async resourceFor(apiVersion: string, kind: string): Promise<ResourceType> {
    const known = WELL_KNOWN.get(`${apiVersion}|${kind}`);
    if (known) return known;
    const cached = this.cache.get(apiVersion)?.get(kind);
    if (cached) return cached;
    const fresh = await this.load(apiVersion);
    const found = fresh.get(kind);
    if (!found) {
      const request = `discover ${apiVersion} ${kind}`;
      throw new KubeError(404, 'NotFound', `${request}: the server has no kind ${kind} in ${apiVersion}`, request);
    }
    return found;
  }

  private async load(apiVersion: string): Promise<Map<string, ResourceType>> {
    const result = await this.transport.send<ApiResourceList>({ method: 'GET', path: groupVersionPath(parseApiVersion(apiVersion)) });
    if (!result.ok) throw result.error;
    const kinds = resourcesOfGroupVersion(apiVersion, result.data);
    this.cache.set(apiVersion, kinds);
    return kinds;
  }
}
