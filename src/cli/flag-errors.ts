/**
 * A CLI user typed `--poll-wait`, not `maxPollWait`: option errors from the compile step are
 * reworded to name the flag, or the field and the file when the value came from `--config`.
 */
import { ConfigError } from '../errors';
import { fieldDetail } from './config-file';

/** Option field (dotted path) → the flag that sets it, e.g. `{ maxPollWait: '--poll-wait' }`. */
export type FlagFields = Readonly<Record<string, string>>;

/** Where a command's options came from. */
export interface OptionOrigin {
  flags: FlagFields;
  /** The flags the user typed, e.g. `--poll-wait`. */
  typed: ReadonlySet<string>;
  /** The `--config` file and what it held, if one was given. */
  config?: { path: string; value: Record<string, unknown> };
}

/** The origin of options parsed from `values` (flag name without dashes → value). */
export function originOf(
  flags: FlagFields,
  values: Record<string, unknown>,
  config?: OptionOrigin['config'],
): OptionOrigin {
  const typed = new Set(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([name]) => `--${name}`),
  );
  return { flags, typed, ...(config ? { config } : {}) };
}

function inFile(value: Record<string, unknown>, field: string): boolean {
  let node: unknown = value;
  for (const part of field.replace(/\[\d+\]/g, '').split('.')) {
    if (typeof node !== 'object' || node === null || !(part in node)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
}

/** The option field of `flags` that `field` is or lies under (`startPosition.timestamp` → `startPosition`). */
function rootField(flags: FlagFields, field: string): string | undefined {
  return Object.keys(flags)
    .filter((f) => field === f || field.startsWith(`${f}.`) || field.startsWith(`${f}[`))
    .sort((a, b) => b.length - a.length)[0];
}

function fromFile(origin: OptionOrigin, field: string): boolean {
  const root = rootField(origin.flags, field);
  const flag = root === undefined ? undefined : origin.flags[root];
  return origin.config !== undefined && inFile(origin.config.value, field) && !origin.typed.has(flag ?? '');
}

/** Replaces option names in a message with their flags, except those the config file set. */
function renameInText(text: string, origin: OptionOrigin): string {
  const fields = Object.keys(origin.flags).sort((a, b) => b.length - a.length);
  return fields.reduce((out, field) => {
    if (fromFile(origin, field)) return out;
    const escaped = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return out.replace(new RegExp(`(?<![\\w.-])${escaped}(?![\\w])`, 'g'), origin.flags[field] as string);
  }, text);
}

/** The same error, naming the flag the user typed, or the config file and field. */
export function inCliTerms(err: ConfigError, origin: OptionOrigin): ConfigError {
  const detail = fieldDetail(err);
  if (fromFile(origin, err.field)) {
    return new ConfigError(`--config ${origin.config?.path ?? ''}: ${err.field}`, detail);
  }
  const root = rootField(origin.flags, err.field);
  const flag = root === undefined ? undefined : origin.flags[root];
  return new ConfigError(flag ?? err.field, renameInText(detail, origin));
}

/** Runs a compile step, rewording its ConfigError in the terms of the command line. */
export function compileFromCli<T>(compile: () => T, origin: OptionOrigin): T {
  try {
    return compile();
  } catch (err) {
    throw err instanceof ConfigError ? inCliTerms(err, origin) : err;
  }
}
