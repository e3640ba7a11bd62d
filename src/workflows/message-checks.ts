/**
 * Pure validators of message payloads (DESIGN.md rule 10) shared by the reshard, autoscale and
 * DLQ replay workflows, whose signals and queries take no payload. Users send them by name
 * (`temporal workflow signal --name stop --input …`), so anything can arrive: a handler checks
 * first, then logs and drops a bad signal, or fails only the query.
 */

/**
 * Why the arguments of a message that takes none cannot be taken as sent; null when they can
 * (nothing, `null` or `{}`: what the Temporal CLI sends for "no input").
 */
export function noPayloadProblem(name: string, args: readonly unknown[]): string | null {
  const meaningful = args.filter(
    (a) =>
      a !== null &&
      a !== undefined &&
      !(typeof a === 'object' && !Array.isArray(a) && Object.keys(a).length === 0),
  );
  if (meaningful.length === 0) return null;
  const shown = meaningful.map((a) => JSON.stringify(a) ?? String(a)).join(', ');
  const text = shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
  return `\`${name}\` takes no input, got ${text}: send it without --input`;
}
