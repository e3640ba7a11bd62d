/** Command-line parsing helpers: every mistake becomes a UsageError naming the flag and the fix. */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors';

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

export function parse(
  command: string,
  argv: string[],
  options: Options,
): { values: Record<string, FlagValue>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, FlagValue>, positionals };
  } catch (err) {
    throw new UsageError(`ksp ${command}: ${(err as Error).message}. See \`ksp ${command} --help\`.`);
  }
}

export function requireStream(command: string, positionals: string[]): string {
  const stream = positionals[0];
  if (!stream) throw new UsageError(`missing <stream>. Usage: ksp ${command} <stream>`);
  return stream;
}

export function intFlag(name: string, value: FlagValue, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(
      `--${name}`,
      `${JSON.stringify(value)} is invalid: use a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

export function stringFlag(value: FlagValue): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads `--config <file>`: a JSON object of options (`what` names them in the error). */
export function readConfigFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--config: cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error('not a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`--config: ${path} is not a JSON object of ${what}: ${(err as Error).message}`);
  }
}
