/**
 * The checks every options module shares (stream, DLQ replay, autoscale, producer): each rejects a
 * bad value with a ConfigError naming the field and the allowed range. Pure module.
 */
import { formatDuration, parseDuration } from './duration';
import { ConfigError } from '../errors';

/** A duration option in milliseconds, within [min, max]. */
export function checkDuration(
  field: string,
  value: unknown,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const ms = parseDuration(value);
  if (ms === undefined) {
    throw new ConfigError(
      field,
      `${JSON.stringify(value)} is not a duration: use milliseconds or a string such as "500ms", "5s", "2m"`,
    );
  }
  if (ms < min || ms > max) {
    throw new ConfigError(
      field,
      `${formatDuration(ms)} is out of range: use ${formatDuration(min)} to ${formatDuration(max)}`,
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
