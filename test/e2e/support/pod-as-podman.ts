// Runs a container of a manifest's pod spec with podman, as a kubelet would start it, as far as
// one machine without a kubelet allows. Pure translation (podmanRunArgs) plus a thin runner.
//
// Carried over from the pod spec: image, args, env (values; fieldRefs metadata.name and
// metadata.namespace resolved as the kubelet does), runAsUser/runAsGroup, readOnlyRootFilesystem,
// capabilities.drop ALL, allowPrivilegeEscalation false (no-new-privileges), emptyDir mounts (as
// tmpfs of the same size), resources.limits (memory, cpu), and the service account volume
// (token, ca.crt, namespace at /var/run/secrets/kubernetes.io/serviceaccount) with
// KUBERNETES_SERVICE_HOST/PORT. Not carried over: the pod network (the container shares the
// host's network namespace, so its ports are the host's), probes (the test polls them itself).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const PODMAN = ['podman', '--storage-driver', 'vfs'];
/** What runs containers on this machine: runc (crun refuses its cgroup set-up), cgroupfs, rlimits set. */
export const PODMAN_RUN_FLAGS = ['--runtime', 'runc', '--cgroup-manager', 'cgroupfs', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  volumeMounts?: { name: string; mountPath: string }[];
  resources?: { limits?: { memory?: string; cpu?: string } };
}
export interface PodSpec {
  containers: Container[];
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  volumes?: { name: string; emptyDir?: { sizeLimit?: string } }[];
}

export interface PodIdentity {
  podName: string;
  namespace: string;
  /** Folder holding token, ca.crt and namespace, mounted read-only at SERVICE_ACCOUNT_DIR. */
  serviceAccountDir: string;
  apiserverHost: string;
  apiserverPort: number;
  /** Env values that replace the manifest's (say why at the call site). */
  envOverrides?: Record<string, string>;
}

/** Kubernetes quantity -> podman's --memory form (Mi -> m, Gi -> g). */
function memoryOf(q: string): string {
  const m = /^(\d+)(Mi|Gi|M|G)?$/.exec(q);
  if (!m) throw new Error(`memory limit ${q}: no podman form`);
  return `${m[1]}${{ Mi: 'm', Gi: 'g', M: 'm', G: 'g' }[m[2] ?? 'M'] ?? ''}`;
}
function cpuOf(q: string): string {
  return q.endsWith('m') ? String(Number(q.slice(0, -1)) / 1000) : q;
}

export function podmanRunArgs(spec: PodSpec, containerName: string, id: PodIdentity, name: string): string[] {
  const c = spec.containers.find((x) => x.name === containerName);
  if (!c) throw new Error(`no container ${containerName} in the pod spec`);
  const args = ['run', '--detach', '--name', name, ...PODMAN_RUN_FLAGS, '--network', 'host'];
  args.push(...securityArgs(spec, c), ...limitArgs(c), ...volumeArgs(spec, c));
  args.push('--volume', `${id.serviceAccountDir}:${SERVICE_ACCOUNT_DIR}:ro`);
  for (const [k, v] of Object.entries(envOf(c, id))) args.push('--env', `${k}=${v}`);
  if (c.command) args.push('--entrypoint', JSON.stringify(c.command));
  args.push(c.image, ...(c.args ?? []));
  return args;
}

/** The user and group (the container's, else the pod's), a read-only root, no privilege escalation, dropped capabilities. */
function securityArgs(spec: PodSpec, c: Container): string[] {
  const sc = c.securityContext ?? {};
  const user = sc.runAsUser ?? spec.securityContext?.runAsUser;
  const group = sc.runAsGroup ?? spec.securityContext?.runAsGroup;
  const args: string[] = [];
  if (user !== undefined) args.push('--user', group !== undefined ? `${user}:${group}` : String(user));
  if (sc.readOnlyRootFilesystem) args.push('--read-only');
  if (sc.allowPrivilegeEscalation === false) args.push('--security-opt', 'no-new-privileges');
  for (const cap of sc.capabilities?.drop ?? []) args.push('--cap-drop', cap);
  return args;
}

function limitArgs(c: Container): string[] {
  const args: string[] = [];
  if (c.resources?.limits?.memory) args.push('--memory', memoryOf(c.resources.limits.memory));
  if (c.resources?.limits?.cpu) args.push('--cpus', cpuOf(c.resources.limits.cpu));
  return args;
}

/** Each mounted volume as a tmpfs of its size limit: only emptyDir volumes are carried over. */
function volumeArgs(spec: PodSpec, c: Container): string[] {
  const args: string[] = [];
  for (const mount of c.volumeMounts ?? []) {
    const volume = spec.volumes?.find((v) => v.name === mount.name);
    if (!volume?.emptyDir) throw new Error(`volume ${mount.name}: only emptyDir is carried over`);
    const size = volume.emptyDir.sizeLimit ? `,size=${memoryOf(volume.emptyDir.sizeLimit)}` : '';
    args.push('--tmpfs', `${mount.mountPath}:rw,mode=1777${size}`);
  }
  return args;
}

/** The apiserver's address as in-cluster, the container's env (fieldRefs to the pod's name and namespace), then the overrides. */
function envOf(c: Container, id: PodIdentity): Record<string, string> {
  const fieldValue = (path: string) => {
    if (path === 'metadata.name') return id.podName;
    if (path === 'metadata.namespace') return id.namespace;
    throw new Error(`fieldRef ${path}: not carried over`);
  };
  const env: Record<string, string> = {
    KUBERNETES_SERVICE_HOST: id.apiserverHost,
    KUBERNETES_SERVICE_PORT: String(id.apiserverPort),
  };
  for (const e of c.env ?? []) {
    env[e.name] = e.value ?? (e.valueFrom?.fieldRef ? fieldValue(e.valueFrom.fieldRef.fieldPath) : '');
  }
  return Object.assign(env, id.envOverrides ?? {});
}

export async function podman(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await exec(PODMAN[0], [...PODMAN.slice(1), ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The container's output so far (stdout and stderr), or '' when it is gone. */
export async function podmanLogs(name: string): Promise<string> {
  try {
    const { stdout, stderr } = await exec(PODMAN[0], [...PODMAN.slice(1), 'logs', name], { maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch {
    return '';
  }
}
