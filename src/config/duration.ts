/**
 * Durations in options: a number of milliseconds or a string such as `250ms`, `5s`, `2m`, `1h`, `7d`.
 * Pure module: safe to import from workflow code.
 */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration; returns undefined when the value is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = UNIT_MS[match[2] ?? 'ms'];
  return unit === undefined ? undefined : Math.round(amount * unit);
}

/** Formats milliseconds for messages: 1500 → "1.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(3)}m`;
  return `${+(ms / 3_600_000).toFixed(3)}h`;
}
