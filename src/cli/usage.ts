/** Command-line parsing helpers: every mistake becomes a UsageError naming the flag and the fix. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../errors';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse(
  command: string,
  argv: string[],
  options: Options,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (err) {
    throw new UsageError(`ksp ${command}: ${(err as Error).message}. See \`ksp ${command} --help\`.`);
  }
}

export function requireStream(command: string, positionals: string[]): string {
  const stream = positionals[0];
  if (!stream) throw new UsageError(`missing <stream>. Usage: ksp ${command} <stream>`);
  return stream;
}

export function intFlag(
  name: string,
  value: string | boolean | undefined,
  min: number,
  max: number,
): number | undefined {
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

export function stringFlag(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
