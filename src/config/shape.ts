/**
 * Shape checks for values that arrive as workflow inputs (JSON written by another release, a
 * client or `temporal workflow start`): a workflow checks its input's shape once, at its entry,
 * and fails with a message naming the field instead of throwing inside a workflow task (DESIGN.md
 * rule 10). Values, not options: ranges and defaults are the compile step's job. Pure module.
 */

/** One field: its name, a test of its value, and what it should be (for the message). */
export type FieldCheck = readonly [field: string, ok: (value: unknown) => boolean, expected: string];

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const isText = (value: unknown): boolean => typeof value === 'string' && value !== '';
export const isCount = (value: unknown): boolean =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;
export const isBoolean = (value: unknown): boolean => typeof value === 'boolean';
export const isTextList = (value: unknown): boolean =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
export const optional =
  (ok: (value: unknown) => boolean) =>
  (value: unknown): boolean =>
    value === undefined || ok(value);
export const nullable =
  (ok: (value: unknown) => boolean) =>
  (value: unknown): boolean =>
    value === null || ok(value);

/** At most 60 characters of the value as JSON, for a message. */
export function quote(value: unknown): string {
  const json = value === undefined ? 'missing' : (JSON.stringify(value) ?? typeof value);
  return json.length > 60 ? `${json.slice(0, 59)}…` : json;
}

/** The first field of `value` (found at `path`) that fails its check, as a message; null when none. */
export function shapeProblem(path: string, value: unknown, checks: readonly FieldCheck[]): string | null {
  if (!isObject(value)) return `${path} is ${quote(value)}: expected an object`;
  for (const [field, ok, expected] of checks) {
    if (!ok(value[field])) return `${path}.${field} is ${quote(value[field])}: expected ${expected}`;
  }
  return null;
}
