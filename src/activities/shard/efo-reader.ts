/**
 * The enhanced fan-out record source: the same `fetch` contract as the polling ShardReader
 * (FetchRequest → FetchResult), served from a per-shard SubscribeToShard subscription that lives on
 * this worker across batch activities (registry keyed by stream, consumer and shard). The
 * subscription is opened from the checkpoint the batch asks for, and reopened from it when the
 * buffer does not hold that position (another worker read the shard meanwhile, a retry from an
 * older checkpoint beyond the buffer). The consumer is registered (or reused) lazily, on the first
 * fetch of each stream on this worker, and waited for until ACTIVE: no workflow change, so every
 * recorded history replays unchanged.
 */
import {
  type KinesisClient,
  type StartingPosition,
  SubscribeToShardCommand,
  type SubscribeToShardEventStream,
} from '@aws-sdk/client-kinesis';
import { classifyAwsError } from '../../aws/classify';
import { efoUnsupported, ensureConsumer, isEfoUnsupported } from './efo-consumer';
import type { ShardStartPosition } from '../../config/stream-options';
import type { Checkpoint } from '../../records';
import { type EfoEvent, type EfoStart, ShardSubscription, type SubscriptionDeps } from './efo-subscription';
import type { FetchRequest, FetchResult } from './reader';

/** Stands for "more to come" in FetchResult.nextIterator: EFO has no iterators. */
export const EFO_POSITION = 'efo-subscription';
/** AWS ends every subscription after 5 minutes; renew a little before. */
export const DEFAULT_RENEW_AFTER_MS = 290_000;
const MAX_WAIT_SLICE_MS = 1_000;

export interface EfoReaderDeps {
  /** The stream's HTTP/1 client (consumer registration). */
  kinesis: KinesisClient;
  /** Its HTTP/2 twin (SubscribeToShard). */
  subscriber: KinesisClient;
  consumerName: string;
  streamArn(streamName: string): Promise<string>;
  subscriptions: EfoSubscriptions;
  /** Cancellable sleep (rejects when the activity is cancelled). */
  sleep(ms: number): Promise<void>;
  heartbeat(details: unknown): void;
  now(): number;
  /**
   * One GetRecords from the checkpoint (the polling reader, no wait), asked when a subscription
   * stayed idle for the whole poll window: it tells whether the shard has ended. kinesis-local never
   * ends the subscription of a closed shard (no ChildShards event, not even on a new subscription),
   * so without it a parent would never hand over to its children there.
   */
  probe?(req: FetchRequest): Promise<FetchResult>;
}

/** Where a subscription starts for a checkpoint (as GetShardIterator's iteratorRequest does). */
export function efoStart(checkpoint: Checkpoint | null, start: ShardStartPosition): EfoStart {
  if (checkpoint !== null) {
    return checkpoint.subSequenceNumber === undefined
      ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint.sequenceNumber }
      : { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: checkpoint.sequenceNumber };
  }
  switch (start.type) {
    case 'TRIM_HORIZON':
    case 'LATEST':
      return { type: start.type };
    case 'AT_TIMESTAMP':
      return { type: 'AT_TIMESTAMP', timestamp: start.timestamp };
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      return { type: start.type, sequenceNumber: start.sequenceNumber };
  }
}

function startingPosition(start: EfoStart): StartingPosition {
  switch (start.type) {
    case 'TRIM_HORIZON':
    case 'LATEST':
      return { Type: start.type };
    case 'AT_TIMESTAMP':
      return { Type: 'AT_TIMESTAMP', Timestamp: new Date(start.timestamp) };
    default:
      return { Type: start.type, SequenceNumber: start.sequenceNumber };
  }
}

async function* events(stream: AsyncIterable<SubscribeToShardEventStream>): AsyncIterable<EfoEvent> {
  for await (const member of stream) {
    const event = member.SubscribeToShardEvent;
    if (!event) {
      // An exception member (ResourceInUse, ResourceNotFound, KMS…, InternalFailure) ends the stream.
      const failure = Object.values(member as unknown as Record<string, unknown>).find(
        (v) => v !== undefined,
      );
      throw failure instanceof Error ? failure : new Error(`SubscribeToShard: ${JSON.stringify(member)}`);
    }
    yield {
      records: event.Records ?? [],
      continuation: event.ContinuationSequenceNumber ?? null,
      millisBehindLatest: event.MillisBehindLatest ?? null,
      childShardIds: event.ChildShards ? event.ChildShards.map((c) => c.ShardId ?? '').filter(Boolean) : null,
    };
  }
}

function isResourceInUse(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ResourceInUseException'
  );
}

export interface EfoSubscriptionsOptions {
  /** @default DEFAULT_RENEW_AFTER_MS */
  renewAfterMs?: number;
  /** @default 10_000 records */
  maxBuffered?: number;
  /** Close a subscription no fetch used for this long (its shard moved to another worker). @default 60_000 */
  idleCloseMs?: number;
  /** Told of each (re)subscription, with its `stream|consumer|shard` key (logs, tests). */
  onEvent?(event: 'subscribed' | 'renewed' | 'resource-in-use', start: EfoStart, key: string): void;
}

/** This worker's subscriptions, by stream, consumer and shard. */
export class EfoSubscriptions {
  private readonly subs = new Map<string, ShardSubscription>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly options: EfoSubscriptionsOptions = {}) {}

  /** A subscription whose buffer starts at `checkpoint`, opening (or reopening) one when needed. */
  at(
    key: string,
    checkpoint: Checkpoint | null,
    start: ShardStartPosition,
    open: SubscriptionDeps['open'],
    now: number,
  ): ShardSubscription {
    let sub = this.subs.get(key);
    if (sub && (sub.isClosed || sub.positionOf(checkpoint) < 0)) {
      sub.close();
      sub = undefined;
    }
    if (!sub) {
      sub = new ShardSubscription(
        {
          open,
          isResourceInUse,
          renewAfterMs: this.options.renewAfterMs ?? DEFAULT_RENEW_AFTER_MS,
          maxBuffered: this.options.maxBuffered ?? 10_000,
          sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
          onEvent: (event, at) => this.options.onEvent?.(event, at, key),
        },
        efoStart(checkpoint, start),
        checkpoint,
      );
      this.subs.set(key, sub);
      void sub.run();
      this.startSweeper();
    }
    sub.lastUsedAt = now;
    return sub;
  }

  /** Forgets a failed subscription (the next fetch opens a new one). */
  drop(key: string, sub: ShardSubscription): void {
    sub.close();
    if (this.subs.get(key) === sub) this.subs.delete(key);
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    const idle = this.options.idleCloseMs ?? 60_000;
    this.sweeper = setInterval(
      () => {
        const now = Date.now();
        for (const [key, sub] of this.subs) if (now - sub.lastUsedAt > idle) this.drop(key, sub);
        if (this.subs.size === 0 && this.sweeper) {
          clearInterval(this.sweeper);
          this.sweeper = undefined;
        }
      },
      Math.min(idle, 10_000),
    );
    this.sweeper.unref();
  }

  get size(): number {
    return this.subs.size;
  }

  closeAll(): void {
    for (const [key, sub] of this.subs) this.drop(key, sub);
  }
}

export class EfoReader {
  /** Consumer ARN per stream, once ACTIVE. */
  private readonly consumers = new Map<string, Promise<string>>();

  constructor(private readonly deps: EfoReaderDeps) {}

  private async consumerArn(streamName: string): Promise<string> {
    let arn = this.consumers.get(streamName);
    if (!arn) {
      arn = (async () => {
        const streamArn = await this.deps.streamArn(streamName);
        try {
          return await ensureConsumer(this.deps.kinesis, streamArn, this.deps.consumerName, this.deps);
        } catch (err) {
          if (isEfoUnsupported(err)) throw efoUnsupported(streamName, err);
          throw classifyAwsError(err, { operation: 'RegisterStreamConsumer', streamName });
        }
      })();
      this.consumers.set(streamName, arn);
      arn.catch(() => this.consumers.delete(streamName));
    }
    return arn;
  }

  /** The shard's end when the probe finds the idle shard closed and fully read (the subscription is dropped). */
  private async endedShard(
    req: FetchRequest,
    key: string,
    sub: ShardSubscription,
  ): Promise<FetchResult | undefined> {
    if (!this.deps.probe) return undefined;
    const probe = await this.deps.probe({ ...req, limit: 1, maxPollWaitMs: 0, batchingWindowMs: 0 });
    if (probe.nextIterator !== null || probe.records.length > 0) return undefined;
    this.deps.subscriptions.drop(key, sub);
    return probe;
  }

  /** EFO keeps no iterators: the subscription itself goes on after the batch. */
  remember(): void {}

  async fetch(req: FetchRequest): Promise<FetchResult> {
    const startedAt = this.deps.now();
    const consumerArn = await this.consumerArn(req.streamName);
    const key = `${req.streamName}|${this.deps.consumerName}|${req.shardId}`;
    const open: SubscriptionDeps['open'] = async (start, signal) => {
      const out = await this.deps.subscriber.send(
        new SubscribeToShardCommand({
          ConsumerARN: consumerArn,
          ShardId: req.shardId,
          StartingPosition: startingPosition(start),
        }),
        { abortSignal: signal },
      );
      if (!out.EventStream) throw new Error(`SubscribeToShard returned no event stream for ${req.shardId}`);
      return events(out.EventStream);
    };
    const sub = this.deps.subscriptions.at(key, req.checkpoint, req.startPosition, open, startedAt);
    let firstRecordAt: number | undefined;
    for (;;) {
      if (sub.failure !== null) {
        this.deps.subscriptions.drop(key, sub);
        throw classifyAwsError(sub.failure, {
          operation: 'SubscribeToShard',
          streamName: req.streamName,
          shardId: req.shardId,
        });
      }
      const view = sub.peek(req.limit);
      const now = this.deps.now();
      const waitedMs = now - startedAt;
      const result = (): FetchResult => ({
        records: view.records,
        nextIterator: view.ended ? null : EFO_POSITION,
        millisBehindLatest: view.millisBehindLatest,
        childShardIds: view.childShardIds,
        getRecordsCalls: 0,
        throttled: 0,
        waitedMs,
        issuedAt: now,
      });
      if (view.ended) return result();
      let waitMs: number;
      if (view.records.length > 0) {
        firstRecordAt ??= now;
        const windowLeft = (req.batchingWindowMs ?? 0) - (now - firstRecordAt);
        if (view.records.length >= req.limit || windowLeft <= 0) return result();
        waitMs = windowLeft;
      } else {
        if (waitedMs >= req.maxPollWaitMs) return (await this.endedShard(req, key, sub)) ?? result();
        waitMs = req.maxPollWaitMs - waitedMs;
      }
      this.deps.heartbeat({ phase: 'efo', buffered: view.records.length, waitedMs });
      sub.lastUsedAt = now;
      // A cancellable slice: the activity's cancellation ends the wait.
      const slice = Math.min(waitMs, MAX_WAIT_SLICE_MS);
      await Promise.race([sub.changed(slice), this.deps.sleep(slice + 50)]);
    }
  }
}
