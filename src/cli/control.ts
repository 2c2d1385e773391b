// `sluice promote|abort|retry|pause|resume <canary> [-n ns]`: rollout commands that leave the
// spec alone (GitOps-safe). Each writes one annotation; the controller carries a token out once.
import { Command } from 'commander';
import { userInfo } from 'node:os';
import { COMMAND_ANNOTATIONS } from '../rollout/commands.js';
import { loadKubeConfig, KubeClient, RESOURCES } from '../kube/index.js';

export type ControlVerb = 'promote' | 'abort' | 'retry' | 'pause' | 'resume';

const DESCRIPTIONS: Record<ControlVerb, string> = {
  promote: 'promote the canary under analysis now, skipping the remaining steps',
  abort: 'roll the canary under analysis back now',
  retry: 'start the analysis of a failed revision again, without a dummy template change',
  pause: 'hold the analysis where it is (no step, no check) until resumed',
  resume: 'continue a paused analysis',
};

/** The merge patch of metadata.annotations a verb writes; `token` names who asked and when. */
export function controlPatch(verb: ControlVerb, token: string): { metadata: { annotations: Record<string, string | null> } } {
  switch (verb) {
    case 'pause':
      return { metadata: { annotations: { [COMMAND_ANNOTATIONS.paused]: 'true' } } };
    case 'resume':
      return { metadata: { annotations: { [COMMAND_ANNOTATIONS.paused]: null } } };
    default:
      return { metadata: { annotations: { [COMMAND_ANNOTATIONS[verb]]: token } } };
  }
}

export function controlCommands(): Command[] {
  return (Object.keys(DESCRIPTIONS) as ControlVerb[]).map((verb) =>
    new Command(verb)
      .description(DESCRIPTIONS[verb])
      .argument('<canary>', 'Canary name')
      .option('-n, --namespace <ns>', 'namespace', 'default')
      .action(async (name: string, opts: { namespace: string }) => {
        const client = new KubeClient(loadKubeConfig());
        const token = `${new Date().toISOString()} by ${userInfo().username}`;
        await client.mergePatch(RESOURCES.canaries, name, opts.namespace, controlPatch(verb, token));
        console.log(`canary ${opts.namespace}/${name}: ${verb} requested (${token})`);
      }),
  );
}
