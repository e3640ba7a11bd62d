/** Command-line parsing helpers: every mistake becomes a UsageError naming the flag and the fix. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '../config/checks';
import { ConfigError } from '../errors';

/** A mistake on the command line (exit code 2); the message names what was typed and the fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** A parsed flag: strings, booleans, or string lists for `multiple: true` flags. */
export type FlagValue = string | boolean | string[] | undefined;

/** The values of a repeatable (`multiple: true`) string flag. */
export function listFlag(value: FlagValue): string[] {
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** node:util's parse errors, reworded: the flag, the fix, and where the help is. */
function usageMessage(command: string, options: Options, err: Error & { code?: string }): string {
  const help = `See \`ksp ${command} --help\`.`;
  const flag = /'(-[^' ]+)/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const known = Object.keys(options).map((name) => `--${name}`);
      const near = closestName(flag.split('=')[0] ?? flag, known);
      return `unknown option ${flag}${near ? `: did you mean ${near}?` : '.'} ${help}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(err.message)
        ? `${flag} needs a value. ${help}`
        : /ambiguous/.test(err.message)
          ? `${flag} needs a value, and the next argument looks like an option: write ${flag}=<value>. ${help}`
          : `${flag} takes no value. ${help}`;
    default:
      return `${err.message}. ${help}`;
  }
}

export function parse(
  command: string,
  argv: string[],
  options: Options,
): { values: Record<string, FlagValue>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, FlagValue>, positionals };
  } catch (err) {
    throw new UsageError(usageMessage(command, options, err as Error));
  }
}

/** The `<stream>` argument; `more`: the command reads further arguments itself. */
export function requireStream(command: string, positionals: string[], more = false): string {
  const stream = positionals[0];
  if (!stream) throw new UsageError(`missing <stream>. Usage: ksp ${command} <stream>`);
  if (!more && positionals.length > 1) {
    throw new UsageError(`unexpected argument ${positionals[1]}. Usage: ksp ${command} <stream> [options]`);
  }
  return stream;
}

/**
 * A whole-number flag within [min, max], written in decimal digits: `1e3`, `0x10`, `1.5` and ` 10`
 * are refused (JavaScript's Number() would take the first three and the last).
 */
export function intFlag(name: string, value: FlagValue, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : '';
  const digits = /^-?\d+$/.test(text);
  const n = Number(text);
  if (digits && n >= min && n <= max) return n;
  const loose = Number(text.trim());
  if (!digits && text.trim() !== '' && Number.isSafeInteger(loose) && loose >= min && loose <= max) {
    throw new ConfigError(`--${name}`, `${JSON.stringify(value)} is not in decimal digits: write ${loose}`);
  }
  throw new ConfigError(
    `--${name}`,
    `${JSON.stringify(value)} is invalid: use a whole number from ${min} to ${max}`,
  );
}

export function stringFlag(value: FlagValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
