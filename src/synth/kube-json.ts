// Plain JSON Kubernetes objects as Sluice reads them (from files or from the apiserver) and as
// synthesis returns them. Only the fields synthesis reads are named; every other field is kept as
// it came (`[field: string]: unknown`), because a copy must not lose what it does not know.
import type { OwnerReference } from 'cdk8s';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object whose shape synthesis does not model; read it with care. */
export type JsonObject = Record<string, any>;

export interface KubeMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  /** Synthesis sets the Canary's on what it generates (ownership.ts). */
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

/** Any Kubernetes object: what synthesis returns and what server-side apply takes. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: KubeMeta;
  [field: string]: unknown;
}

export interface LabelSelectorJson {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
  [field: string]: unknown;
}

export interface PodTemplateJson {
  metadata?: KubeMeta;
  spec?: JsonObject;
  [field: string]: unknown;
}

export interface DeploymentJson {
  apiVersion?: string;
  kind?: string;
  metadata: KubeMeta;
  spec: {
    replicas?: number;
    selector: LabelSelectorJson;
    template: PodTemplateJson;
    strategy?: JsonObject;
    minReadySeconds?: number;
    progressDeadlineSeconds?: number;
    revisionHistoryLimit?: number;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

export interface HorizontalPodAutoscalerJson {
  apiVersion: string;
  kind?: string;
  metadata: KubeMeta;
  spec: {
    scaleTargetRef: { apiVersion?: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: JsonObject[];
    behavior?: JsonObject;
    /** autoscaling/v1 only. */
    targetCPUUtilizationPercentage?: number;
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** A ConfigMap or a Secret: the objects a pod template can take configuration from. */
export interface ConfigJson {
  apiVersion?: string;
  kind: 'ConfigMap' | 'Secret';
  metadata: KubeMeta;
  type?: string;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  stringData?: Record<string, string>;
  immutable?: boolean;
  [field: string]: unknown;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
