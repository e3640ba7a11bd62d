/**
 * `--config <file.json>`: a JSON object of options, checked before compilation for what the
 * compile step cannot see — keys it does not know (a typo would silently fall back to the default)
 * and durations given as bare numbers (`10` could mean seconds as in Lambda's `…InSeconds`).
 * Errors name the file and the field. The schemas and the check are src/config/config-schema.ts,
 * which workflows also apply to a raw input.
 */
import { readFileSync } from 'node:fs';
import { type ConfigSchema, checkConfigObject, isObject } from '../config/config-schema';
import { ConfigError } from '../errors';
import { UsageError } from './usage';

export {
  AUTOSCALE_CONFIG,
  type ConfigSchema,
  REPLAY_CONFIG,
  STREAM_CONFIG,
  checkConfigObject,
} from '../config/config-schema';

/** Reads `--config <file>`: a JSON object of options, checked against `schema`. */
export function readConfigFile(path: string, schema: ConfigSchema): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--config: cannot read ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--config: ${path} is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) {
    throw new UsageError(
      `--config: ${path} is not a JSON object of ${schema.what}s: write {"key": value, …}`,
    );
  }
  try {
    checkConfigObject(value, schema);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(`--config ${path}: ${err.field}`, fieldDetail(err));
    throw err;
  }
  return value;
}

/** The part of a ConfigError's message after "field: ". */
export function fieldDetail(err: ConfigError): string {
  return err.message.startsWith(`${err.field}: `) ? err.message.slice(err.field.length + 2) : err.message;
}
