/** Clients for CLI commands, built from the environment once at the process edge. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import { createKinesisClient, createSqsClient } from '../aws/clients';
import {
  type AwsConfig,
  type Env,
  type TemporalConnectionConfig,
  type TemporalFlags,
  readAwsConfig,
  readTemporalConfig,
} from '../config/env';
import { connectClient, temporalUnreachable } from '../client/temporal-client';
import { UsageError } from './usage';

/** The Temporal CLI's connection flags, accepted by every command: over TEMPORAL_* and the profile. */
export const TEMPORAL_FLAGS_HELP = `Temporal connection (every command; like the Temporal CLI): --profile <name> (temporal.toml),
  --address <host:port>, --namespace <name>; else TEMPORAL_PROFILE, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
  TEMPORAL_API_KEY, TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH, TEMPORAL_CONFIG_FILE`;

const FLAG_FIELDS = { '--profile': 'profile', '--address': 'address', '--namespace': 'namespace' } as const;

/** Takes `--profile`, `--address`, `--namespace` (`--flag value` or `--flag=value`) out of argv. */
export function takeTemporalFlags(argv: readonly string[]): { flags: TemporalFlags; rest: string[] } {
  const flags: TemporalFlags = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg, undefined];
    const field = FLAG_FIELDS[name as keyof typeof FLAG_FIELDS];
    if (field === undefined) {
      rest.push(arg);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.trim() === '' || (inline === undefined && value.startsWith('--'))) {
      throw new UsageError(
        `${name} needs a value, e.g. ${name} ${field === 'address' ? '127.0.0.1:7233' : 'default'}`,
      );
    }
    flags[field] = value.trim();
  }
  return { flags, rest };
}

export interface CliContext {
  env: Env;
  /** --profile / --address / --namespace from the command line. */
  temporalFlags: TemporalFlags;
  temporalConfig(): TemporalConnectionConfig;
  awsConfig(): AwsConfig;
  /** Connects on first use; closed by close(). */
  temporal(): Promise<Client>;
  kinesis(): KinesisClient;
  sqs(): SQSClient;
  close(): Promise<void>;
}

export function createCliContext(env: Env, temporalFlags: TemporalFlags = {}): CliContext {
  let temporal: { client: Client; close(): Promise<void> } | undefined;
  let kinesis: KinesisClient | undefined;
  let sqs: SQSClient | undefined;
  const ctx: CliContext = {
    env,
    temporalFlags,
    temporalConfig: () => readTemporalConfig(env, temporalFlags),
    awsConfig: () => readAwsConfig(env),
    async temporal() {
      if (!temporal) {
        const config = readTemporalConfig(env, temporalFlags);
        temporal = await connectClient(config).catch((err: unknown) => {
          throw temporalUnreachable(config, err);
        });
      }
      return temporal.client;
    },
    kinesis() {
      kinesis ??= createKinesisClient(readAwsConfig(env).kinesis);
      return kinesis;
    },
    sqs() {
      sqs ??= createSqsClient(readAwsConfig(env).sqs);
      return sqs;
    },
    async close() {
      kinesis?.destroy();
      sqs?.destroy();
      await temporal?.close();
    },
  };
  return ctx;
}
