/**
 * The small part of the Kubernetes API (v1.27 schemas; core/v1, apps/v1) that the manifest renderer
 * (k8s-objects.ts) writes, as plain interfaces: the runtime renderer carries no Kubernetes client
 * library, and the tests validate every object it writes against the API's JSON schemas
 * (kubernetes-models). Field names are the API's own (Kubernetes API reference, "Workloads
 * Resources", "Service Resources", "Config and Storage Resources"). Types only.
 */

/** ObjectMeta: name, namespace-free (the kustomization sets it), labels. */
export interface K8sMeta {
  name: string;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Any object the renderer writes: apiVersion, kind, metadata and the rest of its fields. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: K8sMeta;
  [field: string]: unknown;
}

/** An HTTP probe (core/v1 Probe with httpGet): durations in whole seconds, as the API takes them. */
export interface K8sProbe {
  httpGet: { path: string; port: number | string };
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  initialDelaySeconds?: number;
}

/** core/v1 KeyToPath: one key of a ConfigMap or Secret mounted as a file at `path`. */
export interface K8sKeyToPath {
  key: string;
  path: string;
}

/** A volume of a pod (core/v1 Volume), of the kinds the renderer uses. */
export type K8sVolume =
  | { name: string; emptyDir: { sizeLimit?: string; medium?: string } }
  | { name: string; persistentVolumeClaim: { claimName: string } }
  | { name: string; configMap: { name: string; items?: K8sKeyToPath[] } }
  | {
      name: string;
      secret: { secretName: string; optional: boolean; defaultMode: number; items?: K8sKeyToPath[] };
    };

/** core/v1 VolumeMount. */
export interface K8sVolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
