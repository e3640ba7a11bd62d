/**
 * Typed readers for the process environment. Only process entrypoints (src/workers, src/cli)
 * call these; library and activity code receive options (STYLE.md habit 11).
 *
 * Conventions followed: Temporal's environment configuration (TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS) and the AWS SDK's (AWS_REGION,
 * AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_SQS, AWS_ENDPOINT_URL, the default credential chain).
 */
import { DEFAULT_NAMESPACE, DEFAULT_TASK_QUEUE, DEFAULT_TEMPORAL_ADDRESS } from '../constants';
import { ConfigError } from '../errors';
import type { AwsClientOptions } from '../aws/clients';

export type Env = Readonly<Record<string, string | undefined>>;

export interface TemporalConnectionConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls: boolean;
}

export interface AwsConfig {
  kinesis: AwsClientOptions;
  sqs: AwsClientOptions;
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

export function readTemporalConfig(env: Env): TemporalConnectionConfig {
  const address = str(env, 'TEMPORAL_ADDRESS') ?? DEFAULT_TEMPORAL_ADDRESS;
  if (!/^[^\s:]+:\d{1,5}$/.test(address)) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      `${JSON.stringify(address)} is not host:port, e.g. 127.0.0.1:7233`,
    );
  }
  const apiKey = str(env, 'TEMPORAL_API_KEY');
  return {
    address,
    namespace: str(env, 'TEMPORAL_NAMESPACE') ?? DEFAULT_NAMESPACE,
    taskQueue: str(env, 'KSP_TASK_QUEUE') ?? DEFAULT_TASK_QUEUE,
    ...(apiKey ? { apiKey } : {}),
    tls: readBool(env, 'TEMPORAL_TLS', apiKey !== undefined),
  };
}

function isLocal(url: string | undefined): boolean {
  return url !== undefined && /^https?:\/\/(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:|\/|$)/.test(url);
}

export function readAwsConfig(env: Env): AwsConfig {
  const common = readUrl(env, 'AWS_ENDPOINT_URL');
  const kinesisEndpoint = readUrl(env, 'AWS_ENDPOINT_URL_KINESIS') ?? common;
  const sqsEndpoint = readUrl(env, 'AWS_ENDPOINT_URL_SQS') ?? common;
  const region = str(env, 'AWS_REGION') ?? str(env, 'AWS_DEFAULT_REGION');
  const local = isLocal(kinesisEndpoint) && (sqsEndpoint === undefined || isLocal(sqsEndpoint));
  if (region === undefined && !local) {
    throw new ConfigError('AWS_REGION', 'is not set: export AWS_REGION=us-east-1 (or your stream’s region)');
  }
  // The emulators accept any credentials; real endpoints use the default AWS credential chain.
  const localCredentials =
    local && str(env, 'AWS_ACCESS_KEY_ID') === undefined
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {};
  const base = { region: region ?? 'us-east-1', ...localCredentials };
  return {
    kinesis: { ...base, ...(kinesisEndpoint ? { endpoint: kinesisEndpoint } : {}) },
    sqs: { ...base, ...(sqsEndpoint ? { endpoint: sqsEndpoint } : {}) },
  };
}
