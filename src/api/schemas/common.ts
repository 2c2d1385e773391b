// Schema pieces shared by the flagger.app kinds.
import { obj, str, list, stringMap, type JSONSchema } from '../schema.js';

export const stringMatch: JSONSchema = obj(
  { exact: str(), prefix: str(), suffix: str(), regex: str('RE2 style regex-based match') },
  { description: 'Exactly one of exact, prefix, suffix or regex' },
);

export const objectRef = (kinds: string[] | null, description: string, namespaced = false): JSONSchema =>
  obj(
    {
      apiVersion: str(),
      kind: kinds ? { type: 'string', enum: kinds } : str(),
      name: str(),
      ...(namespaced ? { namespace: str() } : {}),
    },
    { required: ['apiVersion', 'kind', 'name'], description },
  );

export const localRef = (description: string, namespaced = false): JSONSchema =>
  obj({ name: str(), ...(namespaced ? { namespace: str() } : {}) }, { required: ['name'], description });

export const customMetadata = (description: string): JSONSchema => obj({ labels: stringMap(), annotations: stringMap() }, { description });

export const stringList = (description?: string): JSONSchema => list(str(), description);
