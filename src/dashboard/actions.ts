// The Canary page's buttons. Each writes exactly the annotation `sluice <verb>` writes (the CLI's
// controlPatch), as the user the kubeconfig names, so the apiserver's RBAC decides, not the page.
import { controlPatch, type ControlVerb } from '../cli/control.js';
import { KubeError, RESOURCES, type KubeClient } from '../kube/index.js';

export const ACTIONS: readonly ControlVerb[] = ['promote', 'abort', 'retry', 'pause', 'resume'];

export const isAction = (verb: string): verb is ControlVerb => (ACTIONS as readonly string[]).includes(verb);

export interface ActionResult {
  /** The HTTP status the page gets: 200 done, 403 refused by RBAC, 404 no such Canary, 502 otherwise. */
  readonly status: 200 | 403 | 404 | 502;
  readonly message: string;
}

/** The token a command annotation carries: when and by whom, as the CLI writes it. */
export function actionToken(now: Date, user: string): string {
  return `${now.toISOString()} by ${user} (dashboard)`;
}

/** What the page says about an action's outcome; a refusal names the verb and resource RBAC refused. */
export function actionResult(verb: ControlVerb, namespace: string, name: string, err: unknown): ActionResult {
  if (err === undefined) return { status: 200, message: `${verb} requested for canary ${namespace}/${name}` };
  if (err instanceof KubeError && err.status === 403) {
    return {
      status: 403,
      message:
        `Not allowed: your Kubernetes user may not patch canaries.flagger.app in namespace ${namespace} (${verb} needs it). ${err.details?.message ?? ''}`.trim(),
    };
  }
  if (err instanceof KubeError && err.status === 404) return { status: 404, message: `canary ${namespace}/${name} not found` };
  return { status: 502, message: `${verb} failed: ${err instanceof Error ? err.message : String(err)}` };
}

export async function runAction(client: KubeClient, verb: ControlVerb, namespace: string, name: string, user: string, now = new Date()): Promise<ActionResult> {
  try {
    await client.mergePatch(RESOURCES.canaries, name, namespace, controlPatch(verb, actionToken(now, user)));
    return actionResult(verb, namespace, name, undefined);
  } catch (err) {
    return actionResult(verb, namespace, name, err);
  }
}
