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

/** A JSON type a field may have. */
export type FieldKind = 'string' | 'number' | 'boolean' | 'null' | 'string[]' | 'object';

function kindOf(value: unknown): FieldKind | 'other' {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.every((v) => typeof v === 'string') ? 'string[]' : 'other';
  const t = typeof value;
  if (t === 'number') return Number.isFinite(value) ? 'number' : 'other';
  return t === 'string' || t === 'boolean' || t === 'object' ? t : 'other';
}

/**
 * The first field of `value` at `path` whose JSON type is not one `shape` allows, as a message
 * naming it and what it holds; null when every field fits. For workflow inputs that must arrive
 * compiled (durations in ms, every field present), so a hand-written one fails the workflow with
 * a clear error instead of failing its tasks.
 */
export function shapeProblem(
  value: unknown,
  shape: Record<string, readonly FieldKind[]>,
  path: string,
): string | null {
  if (kindOf(value) !== 'object') return `${path} ${JSON.stringify(value) ?? String(value)} is not an object`;
  const record = value as Record<string, unknown>;
  for (const [field, kinds] of Object.entries(shape)) {
    const kind = kindOf(record[field]);
    if (kind === 'other' || !kinds.includes(kind)) {
      const v = record[field];
      const got =
        v === undefined ? 'missing' : typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? 'not JSON');
      return `${path}.${field} is ${got}, not ${kinds.join(' or ')}`;
    }
  }
  return null;
}

/**
 * An Update validator for a message that takes no input: throws (rejecting the Update before it
 * enters history) with {@link noPayloadProblem}'s message.
 */
export function rejectPayload(name: string): (...args: unknown[]) => void {
  return (...args: unknown[]) => {
    const bad = noPayloadProblem(name, args);
    if (bad) throw new Error(bad);
  };
}
