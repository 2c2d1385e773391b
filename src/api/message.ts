// The bound on every message Sluice makes from text it does not control (a Prometheus error
// page, a webhook's answer, a validation list): one that reaches the Canary's status, an Event
// or a log line is cut to MAX_MESSAGE_CHARS. An uncapped 2 MB error page would make a status
// patch over etcd's 1.5 MiB limit, and echo whatever an endpoint answers into the status.

/** Room for a sentence and its detail; Events show about this much. */
export const MAX_MESSAGE_CHARS = 1024;

/** The text itself when short enough, else its start and how much was left out. */
export function capMessage(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  // The suffix's length depends on the count it states; reserve room for the longest.
  const room = max - `... (${text.length} more characters)`.length;
  let head = text.slice(0, Math.max(0, room));
  // Never end on half of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}... (${text.length - head.length} more characters)`;
}
