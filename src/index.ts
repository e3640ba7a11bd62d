/**
 * The library: `import { … } from 'kinesis-stream-processor'` (CommonJS and ES modules alike).
 *
 * - writing a handler: {@link BatchHandler} and its context and result types, the record model,
 *   and {@link fromLambdaHandler} to run an unmodified Lambda Kinesis handler;
 * - writing to a stream: {@link createProducer} and KPL aggregation;
 * - AWS clients that work against AWS and the local stack alike: {@link createKinesisClient},
 *   {@link createSqsClient}, configured from the environment as ksp's own processes are
 *   ({@link readAwsConfig});
 * - operating streams from your code: the Temporal connection ksp uses ({@link readTemporalConfig},
 *   {@link connectClient}) and the stream workflow's start / status / pause / resume / stop.
 *
 * The worker itself (`createKspWorker`, which loads Temporal's native runtime) is a separate entry:
 * `kinesis-stream-processor/worker`. The local stack (`ksp dev`) is not part of the library.
 */

// Handlers
export type {
  BatchHandler,
  BatchItemFailure,
  BatchResult,
  HandlerContext,
  HandlerLogger,
} from './handler/contract';
export type { Checkpoint, KinesisRecord } from './records';
export {
  type LambdaAdapterOptions,
  type LambdaContext,
  type LambdaKinesisEvent,
  type LambdaKinesisHandler,
  type LambdaKinesisRecord,
  fromLambdaHandler,
} from './handler/lambda-adapter';
export { type LoadHandlerOptions, type LoadedHandler, loadHandler } from './handler/loader';

// Producing
export * from './producer';
export {
  type AggregatedUserRecord,
  type Deaggregated,
  AggregateBuilder,
  deaggregate,
  encodeAggregate,
  hasKplMagic,
} from './kpl';

// AWS clients and connection settings
export { type AwsClientOptions, createKinesisClient, createSqsClient, resolvedRegion } from './aws/clients';
export {
  type AwsConfig,
  type Env,
  type TemporalConnectionConfig,
  type TemporalFlags,
  readAwsConfig,
  readTemporalConfig,
} from './config/env';
export { connectClient } from './client/temporal-client';

// Operating streams
export {
  type CompiledStreamOptions,
  type RetryOptions,
  type StartPosition,
  type StreamProcessorOptions,
  compileStreamOptions,
} from './config/stream-options';
export {
  type StreamHandle,
  TargetError,
  pauseStream,
  resumeStream,
  startStream,
  stopStream,
  streamHandle,
  streamStatus,
  validateTarget,
} from './client/stream-control';
export type { StreamStatus } from './workflows/stream-messages';
export {
  DEFAULT_NAMESPACE,
  DEFAULT_TASK_QUEUE,
  SEARCH_ATTRIBUTES,
  shardWorkflowId,
  streamWorkflowId,
} from './constants';
export { ConfigError, ErrorType, type ErrorTypeName, HandlerLoadError } from './errors';
