/**
 * Builds a ksp worker: Temporal connection + AWS clients + the user's handler → Worker.
 * Used by the worker entrypoint, the dev stack and tests.
 */
import { createRequire } from 'node:module';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MetricMeter } from '@temporalio/common';
import { Client } from '@temporalio/client';
import { type NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createWorkerShare } from '../activities/shard/worker-share';
import { shareGatedTuner } from './share-gated-slots';
import { KspMetrics } from '../metrics/recorder';
import type { EfoSubscriptionsOptions } from '../activities/shard/efo-reader';
import type { BatchHandler } from '../handler/contract';
import type { HandlerRouter } from '../handler/routing';
import type { KinesisClientPool } from '../aws/client-pool';
import { SPREAD_WORKER_OPTIONS } from './spread';
import { KspWorker } from './ksp-worker';
import { rebalanceTuner } from './rebalance-slots';
import { rebalanceTaskQueue } from '../rebalance-queue';

/**
 * Activity slots per worker. Every shard the worker consumes holds one slot for as long as its
 * activity runs (a busy loop, or an idle watch that waits for records), so slots bound the shards
 * one worker takes: this many lets one worker hold 1,000 shards with room for DLQ replays,
 * reshards and shard starts. A slot costs nothing while its shard is idle but a timer and a
 * GetRecords call per idlePollInterval.
 */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 2_000;

export interface KspWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  kinesis: KinesisClient;
  /** Clients for streams named by ARN or read with a role (src/aws/client-pool.ts); omitted → `kinesis`. */
  kinesisPool?: KinesisClientPool;
  sqs: SQSClient;
  /** The handler of every stream `handlers` does not name (KSP_HANDLER). */
  handler?: BatchHandler;
  handlerName?: string;
  /** The handler of each stream (KSP_HANDLERS); see src/handler/routing.ts. */
  handlers?: HandlerRouter;
  /** Pre-built workflow bundle (see `bundleWorkflowCode`); without it the worker bundles at start (~1–2 s). */
  workflowBundlePath?: string;
  /**
   * Each shard holds one activity slot while it is consumed, busy or idle: keep this above the
   * shards per worker (plus a few for DLQ replays and reshards). @default DEFAULT_MAX_CONCURRENT_ACTIVITIES
   */
  maxConcurrentActivities?: number;
  /**
   * Gate the activity slots by the worker's fair share of busy consuming loops
   * (src/workers/share-gated-slots.ts; KSP_SHARE_GATED_SLOTS). Off: the SDK's fixed-size slots, whose
   * `temporal_worker_task_slots_*` metrics a custom supplier does not report. @default false
   */
  shareGatedSlots?: boolean;
  /**
   * Workflow runs kept cached between workflow tasks (src/workers/workflow-cache.ts); an evicted
   * shard replays its history at its next task. @default the SDK's (from the heap limit)
   */
  maxCachedWorkflows?: number;
  /** Milliseconds in-flight batches may take to finish on SIGINT/SIGTERM before they are cancelled. @default 30000 */
  shutdownGraceTimeMs?: number;
  /** Where ksp's own metrics go (src/workers/telemetry.ts); omitted → not recorded. */
  metricMeter?: MetricMeter;
  /** Enhanced fan-out subscriptions (renewal interval); omitted → defaults (src/activities/shard/efo-reader.ts). */
  efo?: EfoSubscriptionsOptions;
}

/**
 * The worker of `options.taskQueue` (workflows and activities) and of its rebalance queue
 * (activities only, polled while this worker is below its share of the shards;
 * src/rebalance-queue.ts), on one connection, with the same activities: run and shut down together.
 */
export async function createKspWorker(options: KspWorkerOptions): Promise<KspWorker> {
  const workflowSource = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath: createRequire(__filename).resolve('../workflows') };
  // This worker's share of the shards: its loops leave beyond it, its rebalance worker polls below
  // it (and, gated, its main worker stops polling at it). Counted through the worker's own
  // connection, as the rebalance slots count it with no activity running.
  const client = new Client({ connection: options.connection, namespace: options.namespace });
  const share = createWorkerShare(
    () => client,
    () => options.taskQueue,
    Runtime.instance().logger,
  );
  const slots = options.maxConcurrentActivities ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES;
  const activities = createActivities({
    kinesis: options.kinesis,
    ...(options.kinesisPool ? { kinesisPool: options.kinesisPool } : {}),
    sqs: options.sqs,
    ...(options.handler ? { handler: options.handler } : {}),
    ...(options.handlerName ? { handlerName: options.handlerName } : {}),
    ...(options.handlers ? { handlers: options.handlers } : {}),
    ...(options.metricMeter ? { metrics: new KspMetrics(options.metricMeter) } : {}),
    ...(options.efo ? { efo: options.efo } : {}),
    share,
  });
  const shutdownGraceTime = options.shutdownGraceTimeMs ?? 30_000;
  const main = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowSource,
    activities,
    ...(options.shareGatedSlots
      ? { tuner: shareGatedTuner(slots, share) }
      : { maxConcurrentActivityTaskExecutions: slots }),
    ...(options.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: options.maxCachedWorkflows }),
    shutdownGraceTime,
    ...SPREAD_WORKER_OPTIONS,
  });
  const rebalance = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: rebalanceTaskQueue(options.taskQueue),
    activities,
    tuner: rebalanceTuner(slots, share),
    shutdownGraceTime,
  });
  return new KspWorker(main, rebalance);
}
