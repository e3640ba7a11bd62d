/**
 * All activities, built from injected clients (STYLE.md habit 3). Workflows import this module's
 * types only: `proxyActivities<ReturnType<typeof createActivities>>`.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Context, activityInfo, getClient, log } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { throwIfAborted } from '../aws/call';
import type { BatchHandler, HandlerLogger } from '../handler/contract';
import { attemptCall, attemptLostSignal, cancellableCall } from './attempt';
import { DlqQueue } from './dlq/queue';
import { createDlqReplayActivities } from './dlq/replay';
import { recordReplayMessage } from './dlq/replay-metrics';
import { RecordRereader } from './dlq/reread';
import { RecordReputter } from './dlq/targets';
import { DlqWriter } from './shard/dlq-writer';
import { IteratorCache } from './shard/iterator-cache';
import { createLoadSampler } from './autoscale/load-sampler';
import { type ProcessBatchInput, type ProcessBatchResult, createProcessBatch } from './shard/process-batch';
import type { ConsumeInput, ConsumeResult, LoopProgress } from './shard/consume-contract';
import { createConsumeLoop } from './shard/consume-loop';
import { createReshardActivities } from './reshard/reshard';
import { createShardStarter } from './stream/shard-starter';
import type { KspMetrics } from '../metrics/recorder';
import { recordBatchMetrics, recordReadEvent } from './shard/batch-metrics';
import { ShardReader } from './shard/reader';
import { StreamDiscovery } from './stream/discovery';

export interface ActivityDeps {
  kinesis: KinesisClient;
  sqs: SQSClient;
  handler: BatchHandler;
  /** Shown in DLQ messages and logs, e.g. the handler module path. */
  handlerName: string;
  /** Temporal client for starting shard workflows; defaults to the worker's own client. */
  temporalClient?: () => Client;
  /** ksp's metrics (src/metrics/catalog.ts); omitted → not recorded. */
  metrics?: KspMetrics;
}

/**
 * The signal handed to handlers: aborted when the worker shuts down or the activity times out,
 * but not when the workflow cancels an idle poll to pause (that batch still finishes).
 */
const handlerSignal = attemptLostSignal;

/** The handler, never called by an attempt that has lost its activity (its retry calls it instead). */
function guarded(handler: BatchHandler): BatchHandler {
  return (records, context) => {
    throwIfAborted(attemptLostSignal());
    return handler(records, context);
  };
}

/** Temporal's activity logger: adds workflow, activity and attempt metadata to every entry. */
const activityLog: HandlerLogger = log;

/** Per attempt, the consuming loop's progress: every heartbeat of the attempt carries it (a retry resumes from it). */
const loopProgress = new WeakMap<Context, LoopProgress>();

/** Heartbeats `details`, with the loop's progress under `loop` when the activity is a loop. */
function heartbeat(details: unknown): void {
  const ctx = Context.current();
  const loop = loopProgress.get(ctx);
  ctx.heartbeat(loop && typeof details === 'object' && details !== null ? { ...details, loop } : details);
}

export function createActivities(deps: ActivityDeps) {
  const discovery = new StreamDiscovery(deps.kinesis);
  const handler = guarded(deps.handler);
  const metrics = deps.metrics;
  const reader = new ShardReader({
    kinesis: deps.kinesis,
    iterators: new IteratorCache(),
    sleep: (ms) => Context.current().sleep(ms),
    heartbeat,
    now: Date.now,
    bounds: cancellableCall,
    previousHeartbeat: () => activityInfo().heartbeatDetails as unknown,
    ...(metrics ? { onReadEvent: (req, event) => recordReadEvent(metrics, req, event) } : {}),
  });
  const dlqWriter = new DlqWriter(deps.sqs, attemptCall);
  const runBatch = createProcessBatch({
    reader,
    dlq: dlqWriter,
    handler,
    handlerName: deps.handlerName,
    streamArn: (name) => discovery.streamArn(name),
    log: activityLog,
    heartbeat,
    signal: handlerSignal,
    ...(metrics
      ? {
          onHandlerCall: (input: ProcessBatchInput, seconds: number) =>
            metrics.observe('handlerDuration', seconds, { stream: input.streamName, shard: input.shardId }),
        }
      : {}),
  });
  async function oneBatch(input: ProcessBatchInput): Promise<ProcessBatchResult> {
    const result = await runBatch(input);
    if (metrics) recordBatchMetrics(metrics, input, result);
    return result;
  }
  const consume = createConsumeLoop({
    processBatch: oneBatch,
    fetch: (req) => reader.fetch(req),
    publish: (progress) => {
      const ctx = Context.current();
      loopProgress.set(ctx, progress);
      ctx.heartbeat({ phase: 'consuming', loop: progress });
    },
    previousDetails: () => activityInfo().heartbeatDetails as unknown,
    activityAttempt: () => activityInfo().attempt,
    cancelRequested: () => Context.current().cancellationDetails?.cancelRequested === true,
    sleep: (ms) => Context.current().sleep(ms),
    now: Date.now,
  });
  /**
   * The shard workflow's activity: one batch, or (with `loop`, since the `shard-consume-loop`
   * patch) many batches in one activity, see consume-loop.ts. One activity type for both, so a
   * worker of either release serves a workflow of either.
   */
  async function processBatch(input: ConsumeInput): Promise<ConsumeResult> {
    const result = await consume(input);
    if (result.loop) log.debug('shard activity returned', { shardId: input.shardId, ...result.loop });
    return result;
  }
  // A plain timer: a replay stopped mid-message finishes that message (see dlq-replay.ts).
  const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const dlqReplay = createDlqReplayActivities({
    queue: new DlqQueue(deps.sqs, (url) => dlqWriter.maxMessageBytes(url), attemptCall),
    rereader: new RecordRereader(deps.kinesis, timer, attemptCall),
    reputter: new RecordReputter(deps.kinesis, attemptCall),
    handler,
    log: activityLog,
    heartbeat: (details) => Context.current().heartbeat(details),
    previousProgress: () => activityInfo().heartbeatDetails as unknown,
    cancelled: () => Context.current().cancellationSignal,
    handlerSignal,
    sleep: timer,
    now: Date.now,
    ...(metrics ? { onMessage: (queueUrl, result) => recordReplayMessage(metrics, queueUrl, result) } : {}),
  });
  const startShardWorkflow = createShardStarter({
    client: deps.temporalClient ?? getClient,
    taskQueue: () => activityInfo().taskQueue,
  });
  const temporal = deps.temporalClient ?? getClient;
  return {
    ...createReshardActivities({ kinesis: deps.kinesis, client: temporal }),
    sampleStreamLoad: createLoadSampler({ kinesis: deps.kinesis, client: temporal }),
    processBatch,
    ...dlqReplay,
    startShardWorkflow,
    async describeStream(input: { streamName: string }) {
      return discovery.describe(input.streamName);
    },
  };
}
