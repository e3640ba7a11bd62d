/** Clients for CLI commands, built from the environment once at the process edge. */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import { createKinesisClient, createSqsClient } from '../aws/clients';
import {
  type AwsConfig,
  type Env,
  type TemporalConnectionConfig,
  readAwsConfig,
  readTemporalConfig,
} from '../config/env';
import { temporalUnreachable } from '../workers/main';
import { connectClient } from '../workers/temporal-connection';

export interface CliContext {
  env: Env;
  temporalConfig(): TemporalConnectionConfig;
  awsConfig(): AwsConfig;
  /** Connects on first use; closed by close(). */
  temporal(): Promise<Client>;
  kinesis(): KinesisClient;
  sqs(): SQSClient;
  close(): Promise<void>;
}

export function createCliContext(env: Env): CliContext {
  let temporal: { client: Client; close(): Promise<void> } | undefined;
  let kinesis: KinesisClient | undefined;
  let sqs: SQSClient | undefined;
  const ctx: CliContext = {
    env,
    temporalConfig: () => readTemporalConfig(env),
    awsConfig: () => readAwsConfig(env),
    async temporal() {
      if (!temporal) {
        const config = readTemporalConfig(env);
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
