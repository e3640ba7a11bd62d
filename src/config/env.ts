/**
 * Typed readers for the process environment. Only process entrypoints (src/workers, src/cli)
 * call these; library and activity code receive options (STYLE.md habit 11).
 *
 * Temporal: `@temporalio/envconfig` (temporal.toml profiles and TEMPORAL_* variables), see
 * `temporal-config.ts`. AWS: the SDK's own resolution of region, credentials and retries (AWS_REGION,
 * AWS_PROFILE with its region and SSO, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE…); this module adds only the
 * endpoints (AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL) and, for emulators on
 * loopback, a default region and placeholder credentials.
 */
import { ConfigError } from '../errors';
import type { AwsClientOptions } from '../aws/clients';
import type { Env } from './temporal-config';

export {
  type Env,
  type TemporalConnectionConfig,
  type TemporalFlags,
  readTemporalConfig,
} from './temporal-config';

export interface AwsConfig {
  kinesis: AwsClientOptions;
  sqs: AwsClientOptions;
  /** AWS_ENDPOINT_URL_STS: where streams with a `roleArn` assume it; absent → the SDK's resolution. */
  stsEndpoint?: string;
}

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const v = str(env, name);
  if (v === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `${JSON.stringify(v)} is not a boolean: use true or false`);
}

export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = str(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  // Decimal digits only: Number() would also take 1e3, 0x10 and 1.0.
  if (!/^-?\d+$/.test(v) || n < min || n > max) {
    throw new ConfigError(name, `${JSON.stringify(v)} is invalid: use a whole number from ${min} to ${max}`);
  }
  return n;
}

export function readUrl(env: Env, name: string): string | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(v)) {
    throw new ConfigError(name, `${JSON.stringify(v)} is not a URL: use e.g. http://127.0.0.1:4567`);
  }
  return v.replace(/\/+$/, '');
}

/** Emulators on this machine (the `npm start` stack) — never AWS. */
function isLoopback(url: string | undefined): url is string {
  return url !== undefined && /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:|\/|$)/.test(url);
}

/** AWS_REGION, else AWS_DEFAULT_REGION (the AWS CLI reads it; the JS SDK does not); else the SDK decides. */
function explicitRegion(env: Env): string | undefined {
  return str(env, 'AWS_REGION') ?? str(env, 'AWS_DEFAULT_REGION');
}

function clientOptions(env: Env, endpoint: string | undefined): AwsClientOptions {
  const region = explicitRegion(env);
  const profile = str(env, 'AWS_PROFILE');
  if (!isLoopback(endpoint)) {
    // Region, credentials and retries: the SDK's chain (profile, SSO, web identity, ECS, IMDS…).
    return {
      ...(region ? { region } : {}),
      ...(profile ? { profile } : {}),
      ...(endpoint ? { endpoint } : {}),
    };
  }
  // Emulators accept any region and credentials; the SDK refuses to send without them.
  const ownCredentials = str(env, 'AWS_ACCESS_KEY_ID') !== undefined || profile !== undefined;
  return {
    region: region ?? 'us-east-1',
    endpoint,
    ...(profile ? { profile } : {}),
    ...(ownCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  };
}

export function readAwsConfig(env: Env): AwsConfig {
  const common = readUrl(env, 'AWS_ENDPOINT_URL');
  const sts = readUrl(env, 'AWS_ENDPOINT_URL_STS');
  return {
    kinesis: clientOptions(env, readUrl(env, 'AWS_ENDPOINT_URL_KINESIS') ?? common),
    sqs: clientOptions(env, readUrl(env, 'AWS_ENDPOINT_URL_SQS') ?? common),
    ...(sts ? { stsEndpoint: sts } : {}),
  };
}
