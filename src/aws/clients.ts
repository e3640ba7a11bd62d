/**
 * AWS client factories. Only workers, the CLI and tests build clients; activities receive them.
 */
import http from 'node:http';
import https from 'node:https';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface AwsClientOptions {
  region: string;
  /** Override endpoint, e.g. http://127.0.0.1:4568 for the embedded emulator. */
  endpoint?: string;
  /** Static credentials (the emulators accept any); omitted → the default AWS credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Upper bound on sockets per client. @default 64 */
  maxSockets?: number;
  /** SDK-level retries for transient errors before the activity's own classification. @default 3 */
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

export function createKinesisClient(options: AwsClientOptions): KinesisClient {
  return new KinesisClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: requestHandler(options.maxSockets ?? 64),
  });
}

export function createSqsClient(options: AwsClientOptions): SQSClient {
  return new SQSClient({
    region: options.region,
    // fauxqs returns queue URLs on sqs.<region>.localhost; with an explicit endpoint the SDK keeps
    // sending to it instead of the queue URL's host.
    ...(options.endpoint ? { endpoint: options.endpoint, useQueueUrlAsEndpoint: false } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: requestHandler(options.maxSockets ?? 64),
  });
}
