/**
 * Durations in options: a string with a unit — `250ms`, `5s`, `2m`, `1h`, `7d` — or `0`; from
 * TypeScript also a number of milliseconds. A string without a unit is refused rather than read as
 * milliseconds: `"10"` is too easily meant as seconds (Lambda's `…InSeconds` fields).
 * Pure module: safe to import from workflow code.
 */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Parses a duration; returns undefined when the value is not one (see durationProblem for why). */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  if (value === '0') return 0;
  const match = DURATION.exec(value);
  const unit = match?.[2] === undefined ? undefined : UNIT_MS[match[2]];
  return match?.[1] === undefined || unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}

/** Why a value is not a duration, worded as the fix (for values parseDuration refuses). */
export function durationProblem(value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  if (typeof value === 'string' && /^\d+(?:\.\d+)?$/.test(value)) {
    return `${shown} has no unit: use a unit, e.g. ${value}s or ${value}ms (units: ms, s, m, h, d)`;
  }
  if (typeof value === 'string' && value.trim() !== value && parseDuration(value.trim()) !== undefined) {
    return `${shown} has spaces around it: write ${value.trim()}`;
  }
  return `${shown} is not a duration: use a number with a unit, e.g. 500ms, 5s, 2m, 1h or 7d`;
}

/** Formats milliseconds for messages: 1500 → "1.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(3)}m`;
  return `${+(ms / 3_600_000).toFixed(3)}h`;
}
