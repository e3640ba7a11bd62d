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
import type { LoopShare } from './shard/loop-share';
import { createWorkerShare, workerIdentity } from './shard/worker-share';
import { POLLER_FRESH_MS } from './shard/fair-share';
import { createReshardActivities } from './reshard/reshard';
import { createShardStarter, shardStartActivities } from './stream/shard-starter';
import type { KspMetrics } from '../metrics/recorder';
import { recordBatchMetrics, recordReadEvent } from './shard/batch-metrics';
import { type FetchRequest, ShardReader } from './shard/reader';
import { EfoReader, EfoSubscriptions, type EfoSubscriptionsOptions } from './shard/efo-reader';
import { efoClientFor, hasEndpointOverride } from '../aws/efo-client';
import type { CompiledConsumer } from '../config/consumer-option';
import { StreamDiscovery } from './stream/discovery';
import { IdentityGuard, mayBeRecreated } from './stream/identity-guard';
import type { KinesisClientPool } from '../aws/client-pool';
import { HandlerRouter, noHandlerMessage } from '../handler/routing';
import type { LoadedHandler } from '../handler/loader';
import { ErrorType } from '../errors';
import { ApplicationFailure } from '@temporalio/common';
import { createStreamRetention } from './stream/retention';

export interface ActivityDeps {
  /** The worker's own Kinesis client: plain stream names, no role (and reshard, load, DLQ replay). */
  kinesis: KinesisClient;
  /** Clients for streams named by ARN (their region) or read with a `roleArn`; omitted → `kinesis` for all. */
  kinesisPool?: KinesisClientPool;
  sqs: SQSClient;
  /** The handler of every stream (KSP_HANDLER); `handlers` takes precedence. */
  handler?: BatchHandler;
  /** Shown in DLQ messages and logs, e.g. the handler module path. */
  handlerName?: string;
  /** The handler of each stream (KSP_HANDLERS, with KSP_HANDLER as its default). */
  handlers?: HandlerRouter;
  /** Temporal client for starting shard workflows; defaults to the worker's own client. */
  temporalClient?: () => Client;
  /** ksp's metrics (src/metrics/catalog.ts); omitted → not recorded. */
  metrics?: KspMetrics;
  /** Enhanced fan-out subscriptions (renewal interval, buffer); omitted → AWS-like defaults. */
  efo?: EfoSubscriptionsOptions;
  /** This worker's share of the shards, shared with its slot supplier; omitted → one of its own. */
  share?: LoopShare;
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

/** The router the deps describe: `handlers`, else `handler` for every stream. */
function routerOf(deps: ActivityDeps): HandlerRouter {
  if (deps.handlers) return deps.handlers;
  if (!deps.handler) throw new TypeError('createActivities: give `handlers` or `handler`');
  return HandlerRouter.single(deps.handler, deps.handlerName ?? 'handler');
}

/** A handler that runs the handler of `context.streamName` (the DLQ replay's records name their stream). */
function routed(router: HandlerRouter): BatchHandler {
  return (records, context) => {
    const route = router.for(context.streamName);
    if (!route) throw new Error(noHandlerMessage(context.streamName));
    return route.handler(records, context);
  };
}

/** What reads through one Kinesis client: a reader, discovery, the identity check, a batch runner per handler. */
interface Lane {
  discovery: StreamDiscovery;
  guard: IdentityGuard;
  runBatch(
    route: LoadedHandler,
    consumer?: CompiledConsumer,
  ): (input: ProcessBatchInput) => Promise<ProcessBatchResult>;
  /** The shard activity on this client: one batch, or a consuming loop (consume-loop.ts). */
  consume(input: ConsumeInput): Promise<ConsumeResult>;
}

/** Per attempt, the consuming loop's progress: every heartbeat of the attempt carries it (a retry resumes from it). */
const loopProgress = new WeakMap<Context, LoopProgress>();

/** Lost workers a loop's result hands on (bounded: identities enter workflow history). */
const MAX_LOST_WORKERS = 8;

/** This worker, named in a busy loop's heartbeat details: a retry elsewhere knows it was lost. */
const WORKER = workerIdentity();

/**
 * Heartbeats `details` and this worker's identity (the SDK sends the first heartbeat of an
 * activity at once and throttles the rest, so the first is often all a retry sees), with the
 * loop's progress under `loop` when the activity is a loop.
 */
function heartbeat(details: unknown): void {
  const ctx = Context.current();
  const loop = loopProgress.get(ctx);
  if (typeof details !== 'object' || details === null) return ctx.heartbeat(details);
  ctx.heartbeat(loop ? { ...details, worker: WORKER, loop } : { ...details, worker: WORKER });
}

export function createActivities(deps: ActivityDeps) {
  const router = routerOf(deps);
  const metrics = deps.metrics;
  const dlqWriter = new DlqWriter(deps.sqs, attemptCall);
  const lanes = new Map<KinesisClient, Lane>();
  const efoSubscriptions = new EfoSubscriptions(deps.efo);
  const temporalClient = deps.temporalClient ?? getClient;
  // This worker's shard loops, and its fair share of the task queue's shards (loop-share.ts).
  const share = deps.share ?? createWorkerShare(temporalClient);
  function createLane(kinesis: KinesisClient): Lane {
    const discovery = new StreamDiscovery(kinesis);
    const reader = new ShardReader({
      kinesis,
      iterators: new IteratorCache(),
      sleep: (ms) => Context.current().sleep(ms),
      heartbeat,
      now: Date.now,
      bounds: cancellableCall,
      previousHeartbeat: () => activityInfo().heartbeatDetails as unknown,
      ...(metrics ? { onReadEvent: (req, event) => recordReadEvent(metrics, req, event) } : {}),
    });
    const runners = new Map<string, (input: ProcessBatchInput) => Promise<ProcessBatchResult>>();
    const routeIds = new Map<LoadedHandler, number>();
    /** The record source: GetRecords polling, or enhanced fan-out through `consumer`. */
    const readerFor = (consumer?: CompiledConsumer) =>
      consumer
        ? new EfoReader({
            kinesis,
            subscriber: efoClientFor(kinesis),
            consumerName: consumer.name,
            streamArn: (name) => discovery.streamArn(name),
            subscriptions: efoSubscriptions,
            sleep: (ms) => Context.current().sleep(ms),
            heartbeat,
            now: Date.now,
            // AWS ends a closed shard's subscription with its child shards; only an emulator
            // (kinesis-local never does) needs a GetRecords probe per idle poll window.
            ...(hasEndpointOverride(kinesis) ? { probe: (req: FetchRequest) => reader.fetch(req) } : {}),
          })
        : reader;
    const runBatch = (route: LoadedHandler, consumer?: CompiledConsumer) => {
      let routeId = routeIds.get(route);
      if (routeId === undefined) routeIds.set(route, (routeId = routeIds.size));
      const key = `${routeId}|${consumer?.name ?? ''}`;
      let run = runners.get(key);
      if (!run) {
        run = createProcessBatch({
          reader: readerFor(consumer),
          dlq: dlqWriter,
          handler: guarded(route.handler),
          handlerName: route.description,
          streamArn: (name) => discovery.streamArn(name),
          log: activityLog,
          heartbeat,
          signal: handlerSignal,
          ...(metrics
            ? {
                onHandlerCall: (input: ProcessBatchInput, seconds: number) =>
                  metrics.observe('handlerDuration', seconds, {
                    stream: input.streamName,
                    shard: input.shardId,
                  }),
              }
            : {}),
        });
        runners.set(key, run);
      }
      return run;
    };
    const guard = new IdentityGuard({ describe: (name) => discovery.identity(name), now: Date.now });
    const consume = createConsumeLoop({
      processBatch: oneBatch,
      fetch: (req) => reader.fetch(req),
      publish: (progress) => {
        const ctx = Context.current();
        loopProgress.set(ctx, progress);
        ctx.heartbeat({ phase: 'consuming', worker: WORKER, loop: progress });
      },
      previousDetails: () => activityInfo().heartbeatDetails as unknown,
      activityAttempt: () => activityInfo().attempt,
      cancelRequested: () => Context.current().cancellationDetails?.cancelRequested === true,
      sleep: (ms) => Context.current().sleep(ms),
      now: Date.now,
      share,
      random: Math.random,
      workerLost: (identity) => {
        if (identity !== WORKER) share.workerLost(identity, POLLER_FRESH_MS);
      },
      lostWorkers: () => [...share.lostWorkers()].slice(0, MAX_LOST_WORKERS),
    });
    return { discovery, guard, runBatch, consume };
  }
  /** The lane of a stream: its client by region and role (client-pool.ts). */
  function laneFor(streamName: string, roleArn?: string): Lane {
    const kinesis = deps.kinesisPool?.forStream(streamName, roleArn) ?? deps.kinesis;
    let lane = lanes.get(kinesis);
    if (!lane) {
      lane = createLane(kinesis);
      lanes.set(kinesis, lane);
    }
    return lane;
  }
  /** One batch of a stream: its handler, its client, its identity checked (stream-identity.ts). */
  async function oneBatch(input: ProcessBatchInput): Promise<ProcessBatchResult> {
    const route = router.for(input.streamName);
    if (!route)
      throw ApplicationFailure.retryable(noHandlerMessage(input.streamName), ErrorType.NoHandlerForStream);
    const lane = laneFor(input.streamName, input.roleArn);
    await lane.guard.check(input.streamName, input.streamIdentity);
    let result: ProcessBatchResult;
    try {
      result = await lane.runBatch(route, input.consumer)(input);
    } catch (err) {
      if (mayBeRecreated(err)) await lane.guard.check(input.streamName, input.streamIdentity, true);
      throw err;
    }
    if (metrics) recordBatchMetrics(metrics, input, result);
    return result;
  }
  const handler = guarded(routed(router));
  /**
   * The shard workflow's activity: one batch, or (with `loop`, since the `shard-consume-loop`
   * patch) many batches in one activity, see consume-loop.ts. One activity type for both, so a
   * worker of either release serves a workflow of either.
   */
  async function processBatch(input: ConsumeInput): Promise<ConsumeResult> {
    const result = await laneFor(input.streamName, input.roleArn).consume(input);
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
    handlerName: deps.handlerName,
  });
  const temporal = temporalClient;
  return {
    ...createReshardActivities({ kinesis: deps.kinesis, client: temporal }),
    sampleStreamLoad: createLoadSampler({ kinesis: deps.kinesis, client: temporal }),
    processBatch,
    ...dlqReplay,
    ...shardStartActivities(startShardWorkflow),
    streamRetention: createStreamRetention(deps.kinesis),
    async describeStream(input: { streamName: string; roleArn?: string }) {
      return laneFor(input.streamName, input.roleArn).discovery.describe(input.streamName);
    },
  };
}
