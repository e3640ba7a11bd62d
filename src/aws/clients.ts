/**
 * AWS client factories: ksp's workers, CLI and tests build their clients here, and so can yours
 * (exported by the package). Region, credentials and retries follow the SDK's own resolution
 * (AWS_REGION, AWS_PROFILE and its region / SSO session, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, ~/.aws/config)
 * unless given; the HTTP/1.1 handler below makes the same client work against AWS and the emulators.
 */
import http from 'node:http';
import https from 'node:https';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConfigError } from '../errors';

export interface AwsClientOptions {
  /** @default the SDK's resolution: AWS_REGION, then the region of the AWS profile */
  region?: string;
  /** A profile of ~/.aws/config and ~/.aws/credentials. @default AWS_PROFILE, else `default` */
  profile?: string;
  /** Override endpoint, e.g. http://127.0.0.1:4568 for the embedded emulator. */
  endpoint?: string;
  /**
   * Static credentials (the emulators accept any) or a provider (an assumed role, see
   * client-pool.ts); omitted → the default AWS credential chain.
   */
  credentials?:
    | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
    | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>);
  /** Upper bound on sockets per client. @default 64 */
  maxSockets?: number;
  /** SDK-level attempts for transient errors before the activity's own classification. @default AWS_MAX_ATTEMPTS, the profile's max_attempts, else 3 */
  maxAttempts?: number;
}

/**
 * HTTP/1.1 with keep-alive. The v3 Kinesis client defaults to HTTP/2, which kinesalite rejects
 * ("Protocol error") and kinesis-local handles flakily; HTTP/1.1 works against AWS too.
 * `requestTimeout` bounds each SDK attempt (longer than SQS's 20 s long poll) and, with
 * `throwOnRequestTimeout`, really fails it (without it the SDK only logs a warning and the request
 * hangs on); activities bound whole calls tighter, below their heartbeat timeout (src/aws/call.ts).
 */
function requestHandler(maxSockets: number): NodeHttpHandler {
  return new NodeHttpHandler({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    throwOnRequestTimeout: true,
  });
}

/** What the SDK was given; everything left out is resolved by the SDK. */
function sdkOptions(options: AwsClientOptions) {
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  };
}

const REGION_HELP =
  'is not set and no AWS profile gives one: export AWS_REGION=<your stream’s region>, or add `region = …` to your profile in ~/.aws/config';

/** The SDK's "Region is missing" as a ConfigError that says what to set. */
function explainMissingRegion(err: unknown): unknown {
  return err instanceof Error && err.message === 'Region is missing'
    ? new ConfigError('AWS_REGION', REGION_HELP)
    : err;
}

/** Re-throws a missing region from any call as a ConfigError. */
function withRegionHelp<T extends KinesisClient | SQSClient>(client: T): T {
  (client as KinesisClient).middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        throw explainMissingRegion(err);
      }
    },
    { step: 'initialize', name: 'kspRegionHelp' },
  );
  return client;
}

/** The region a client resolved (profile, environment or option); a ConfigError if there is none. */
export async function resolvedRegion(client: KinesisClient | SQSClient): Promise<string> {
  try {
    return await client.config.region();
  } catch (err) {
    throw explainMissingRegion(err);
  }
}

export function createKinesisClient(options: AwsClientOptions = {}): KinesisClient {
  return withRegionHelp(
    new KinesisClient({
      ...sdkOptions(options),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      requestHandler: requestHandler(options.maxSockets ?? 64),
    }),
  );
}

export function createSqsClient(options: AwsClientOptions = {}): SQSClient {
  return withRegionHelp(
    new SQSClient({
      ...sdkOptions(options),
      // fauxqs returns queue URLs on sqs.<region>.localhost; with an explicit endpoint the SDK keeps
      // sending to it instead of the queue URL's host.
      ...(options.endpoint ? { endpoint: options.endpoint, useQueueUrlAsEndpoint: false } : {}),
      requestHandler: requestHandler(options.maxSockets ?? 64),
    }),
  );
}
