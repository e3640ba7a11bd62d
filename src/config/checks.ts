/**
 * The checks every options module shares (stream, DLQ replay, autoscale, producer): each rejects a
 * bad value with a ConfigError naming the field and the allowed range. Pure module.
 */
import { durationProblem, formatDuration, parseDuration } from './duration';
import { ConfigError } from '../errors';

/**
 * A duration option in milliseconds, within [min, max]; `why` (e.g. " (shorter polls …)") explains
 * a bound the user may not expect.
 */
export function checkDuration(
  field: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  why = '',
): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new ConfigError(field, durationProblem(value));
  if (ms < min || ms > max) {
    throw new ConfigError(
      field,
      `${formatDuration(ms)} is out of range: use ${formatDuration(min)} to ${formatDuration(max)}${why}`,
    );
  }
  return ms;
}

/** A whole-number option within [min, max]. */
export function checkInteger(field: string, value: unknown, min: number, max: number, hint = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      field,
      `${JSON.stringify(value)} is invalid: use a whole number from ${min} to ${max}${hint}`,
    );
  }
  return value;
}

/** Edits between two names (optimal string alignment: a swap of neighbours counts once), ignoring case. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++) {
    const row = d[i] as number[];
    const prev = d[i - 1] as number[];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[x.length] as number[])[y.length] as number;
}

/** The known name closest to a mistyped one, when it is close enough to be what was meant. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const dist = distance(name, candidate);
    if (best === undefined || dist < best.distance) best = { name: candidate, distance: dist };
  }
  const allowed = Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && best.distance <= allowed ? best.name : undefined;
}

/**
 * Refuses keys an options object does not know, suggesting the closest known one: a typo such as
 * `batchSze` would otherwise be ignored and the default used. `prefix` is the path of the object.
 */
export function checkKnownKeys(what: string, value: object, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    throw new ConfigError(
      `${prefix}${key}`,
      near
        ? `is not ${what}: did you mean ${prefix}${near}?`
        : `is not ${what}: use one of ${known.map((k) => `${prefix}${k}`).join(', ')}`,
    );
  }
}
