// Whether the dashboard may watch a kind, asked before the watch starts: a watch the apiserver
// refuses (403) retries with backoff for ever, so a page that waited on it never came up. The
// apiserver answers for whatever grants or withholds the rule (a ClusterRole, a Role, another
// authorizer), so nothing here guesses from the installed RBAC.
import { describeObject, reviewAccess, type AccessAnswer, type KubeClient, type ResourceType } from '../kube/index.js';

/** What an informer needs: it lists, then watches from the list's resourceVersion. */
export const WATCH_VERBS = ['list', 'watch'] as const;

export type WatchAnswers = Readonly<Record<(typeof WATCH_VERBS)[number], AccessAnswer>>;

/** Asks about both verbs at once. */
export async function reviewWatchAccess(client: KubeClient, type: ResourceType, namespace: string | undefined): Promise<WatchAnswers> {
  const [list, watch] = await Promise.all(WATCH_VERBS.map((verb) => reviewAccess(client.transport, { verb, type, namespace })));
  return { list, watch };
}

/**
 * What `reader` lacks to watch `type`, e.g. "your Kubernetes user may not watch events in
 * namespace test"; undefined when the watch may start: allowed, or not known (a review the
 * apiserver did not answer leaves the watch to try, as it did before reviews were asked).
 */
export function missingWatchAccess(type: ResourceType, namespace: string | undefined, answers: WatchAnswers, reader: string): string | undefined {
  const refused = WATCH_VERBS.filter((verb) => answers[verb].answered && !answers[verb].allowed);
  if (refused.length === 0) return undefined;
  const reasons = [...new Set(refused.map((verb) => reasonOf(answers[verb])).filter(Boolean))];
  const where = namespace ? `in namespace ${namespace}` : 'in every namespace';
  const because = reasons.length ? ` (${reasons.join('; ')})` : '';
  // describeObject of a kind alone names it as kubectl does: "events", "canaries.flagger.app".
  return `${reader} may not ${refused.join(' or ')} ${describeObject(type)} ${where}${because}`;
}

/** The reviews the apiserver did not answer, as text for a warning; empty when it answered both. */
export function unansweredReviews(answers: WatchAnswers): string[] {
  return WATCH_VERBS.flatMap((verb) => {
    const answer = answers[verb];
    return answer.answered ? [] : [`${verb}: ${answer.error.message}`];
  });
}

const reasonOf = (answer: AccessAnswer) => (answer.answered ? answer.reason : undefined);
