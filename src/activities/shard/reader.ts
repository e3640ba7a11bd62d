/**
 * Reads one batch from a shard: derives the iterator from the checkpoint (never from workflow
 * state, DESIGN.md rule 2), long-polls an idle shard within 5 GetRecords/s, re-derives an expired
 * iterator, backs off on throttling, and detects the end of a closed shard. Every Kinesis call is
 * bounded (aborted with the attempt, deadline under the heartbeat timeout); while Kinesis does not
 * answer, the heartbeat and the attempt's failure say since when (`ksp status`, the Web UI).
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { ApplicationFailure } from '@temporalio/common';
import { type CallBounds, type SendOptions, boundedCall, isAbortedCall } from '../../aws/call';
import { classifyAwsError, isExpiredIterator, isThrottling } from '../../aws/classify';
import { streamParams } from '../../aws/stream-ref';
import { type BackoffPolicy, backoffMs } from '../../config/backoff';
import type { ShardStartPosition } from '../../config/stream-options';
import { ErrorType } from '../../errors';
import type { Checkpoint } from '../../records';
import type { IteratorCache } from './iterator-cache';

/** Kinesis allows 5 GetRecords calls per second per shard. */
export const MIN_GET_RECORDS_INTERVAL_MS = 200;
const THROTTLE_BACKOFF: BackoffPolicy = { initialMs: 250, coefficient: 2, maxMs: 5_000 };

export interface ReaderDeps {
  kinesis: KinesisClient;
  iterators: IteratorCache;
  /** Cancellable sleep (rejects when the activity is cancelled). */
  sleep(ms: number): Promise<void>;
  /** Heartbeat with progress details. */
  heartbeat(details: unknown): void;
  now(): number;
  /** Bounds of each Kinesis call: aborted with the attempt, deadline under the heartbeat timeout. */
  bounds?(): CallBounds;
  /** Heartbeat details of this activity's previous attempt (they say since when Kinesis is unreachable). */
  previousHeartbeat?(): unknown;
  /** Told of each throttled call and each expired iterator (the throttle and expiry metrics). */
  onReadEvent?(req: Pick<FetchRequest, 'streamName' | 'shardId'>, event: ReadEvent): void;
}

/** What the reader reports besides its result: a throttled call (by API) or an expired iterator. */
export type ReadEvent = 'throttled:GetRecords' | 'throttled:GetShardIterator' | 'expired-iterator';

/** Heartbeat details while Kinesis does not answer: the note `ksp status` and the Web UI show. */
export interface UnreachableHeartbeat {
  phase: 'unreachable';
  /** ISO time of the first failed call of this outage. */
  unreachableSince: string;
  note: string;
}

/** Longest error text quoted in an outage note. */
const MAX_REASON_CHARS = 200;

function unreachableSince(details: unknown): number | undefined {
  if (typeof details !== 'object' || details === null) return undefined;
  const since = (details as Partial<UnreachableHeartbeat>).unreachableSince;
  const at = typeof since === 'string' ? Date.parse(since) : NaN;
  return Number.isFinite(at) ? at : undefined;
}

export interface FetchRequest {
  streamName: string;
  shardId: string;
  checkpoint: Checkpoint | null;
  startPosition: ShardStartPosition;
  limit: number;
  /** Long-poll an idle shard for up to this long before returning no records. */
  maxPollWaitMs: number;
  idlePollIntervalMs: number;
  /** Once records arrived, keep polling this long to fill the batch up to `limit` (0: hand them over at once). */
  batchingWindowMs?: number;
}

export interface FetchResult {
  records: _Record[];
  /** Iterator positioned after `records`; null when the shard is closed and fully read. */
  nextIterator: string | null;
  millisBehindLatest: number | null;
  /** From GetRecords' ChildShards when the shard ended (kinesis-local, AWS); null if not sent. */
  childShardIds: string[] | null;
  getRecordsCalls: number;
  throttled: number;
  waitedMs: number;
  /** When `nextIterator` was issued (for the iterator cache). */
  issuedAt: number;
}

export function iteratorRequest(
  streamName: string,
  shardId: string,
  checkpoint: Checkpoint | null,
  start: ShardStartPosition,
): GetShardIteratorCommandInput {
  const base = { ...streamParams(streamName), ShardId: shardId };
  if (checkpoint !== null) {
    // Inside a KPL aggregate the record must be read again and its handled sub-records skipped.
    return checkpoint.subSequenceNumber === undefined
      ? {
          ...base,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          StartingSequenceNumber: checkpoint.sequenceNumber,
        }
      : {
          ...base,
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: checkpoint.sequenceNumber,
        };
  }
  switch (start.type) {
    case 'TRIM_HORIZON':
    case 'LATEST':
      return { ...base, ShardIteratorType: start.type };
    case 'AT_TIMESTAMP':
      return { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(start.timestamp) };
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      return { ...base, ShardIteratorType: start.type, StartingSequenceNumber: start.sequenceNumber };
  }
}

export class ShardReader {
  /** When this worker last called GetRecords per shard: the 5/s limit spans consecutive batches. */
  private readonly lastGetRecordsAt = new Map<string, number>();
  /** Per shard, when Kinesis stopped answering this worker's calls (cleared by the next answer). */
  private readonly unreachable = new Map<string, number>();

  constructor(private readonly deps: ReaderDeps) {}

  private async call<T>(
    req: Pick<FetchRequest, 'streamName' | 'shardId'>,
    send: (options: SendOptions) => Promise<T>,
  ): Promise<T> {
    const out = await boundedCall(this.deps.bounds?.() ?? {}, send);
    this.unreachable.delete(`${req.streamName}/${req.shardId}`);
    return out;
  }

  /**
   * Classifies a failed call. Kinesis unreachable (no answer, 5xx): the heartbeat records since
   * when, and the attempt fails with that note, retryable, so Temporal retries it with backoff and
   * the pending activity shows the outage instead of a shard that looks healthy.
   */
  private failure(req: Pick<FetchRequest, 'streamName' | 'shardId'>, operation: string, err: unknown): Error {
    if (isAbortedCall(err)) return err; // the attempt was cancelled: not an AWS failure
    const failure = classifyAwsError(err, { operation, streamName: req.streamName, shardId: req.shardId });
    if (failure.type !== ErrorType.AwsUnavailable) return failure;
    const key = `${req.streamName}/${req.shardId}`;
    const since =
      this.unreachable.get(key) ?? unreachableSince(this.deps.previousHeartbeat?.()) ?? this.deps.now();
    this.unreachable.set(key, since);
    const cause = failure.cause;
    const reason = `${cause?.name ?? 'Error'}: ${cause?.message ?? failure.message}`.slice(
      0,
      MAX_REASON_CHARS,
    );
    const details: UnreachableHeartbeat = {
      phase: 'unreachable',
      unreachableSince: new Date(since).toISOString(),
      note: `Kinesis unreachable since ${new Date(since).toISOString()} (${operation}: ${reason})`,
    };
    this.deps.heartbeat(details);
    // No cause chain and no stack: the server keeps a pending activity's last failure only while it
    // is small (4 KB by default, else "Failure exceeds size limit."), and this one must be shown.
    const outage = ApplicationFailure.create({
      type: ErrorType.AwsUnavailable,
      message: `${details.note}; retried with backoff. ${failure.message}`,
      details: [details],
    });
    outage.stack = '';
    return outage;
  }

  private async acquire(req: FetchRequest): Promise<string> {
    const cached = this.deps.iterators.take(req.streamName, req.shardId, req.checkpoint, req.startPosition);
    if (cached !== undefined) return cached;
    const input = iteratorRequest(req.streamName, req.shardId, req.checkpoint, req.startPosition);
    for (let throttled = 0; ; throttled++) {
      try {
        const out = await this.call(req, (o) =>
          this.deps.kinesis.send(new GetShardIteratorCommand(input), o),
        );
        if (!out.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${req.shardId}`);
        return out.ShardIterator;
      } catch (err) {
        if (!isThrottling(err)) throw this.failure(req, 'GetShardIterator', err);
        this.deps.onReadEvent?.(req, 'throttled:GetShardIterator');
        this.deps.heartbeat({ phase: 'throttled', throttled: throttled + 1 });
        await this.deps.sleep(backoff(throttled));
      }
    }
  }

  /** Keeps the iterator that follows a fully handled batch, for the next call on this worker. */
  remember(
    req: Pick<FetchRequest, 'streamName' | 'shardId'>,
    checkpoint: Checkpoint,
    iterator: string,
    issuedAt: number,
  ): void {
    this.deps.iterators.put(req.streamName, req.shardId, checkpoint, iterator, issuedAt);
  }

  /**
   * Fetches the next records after the checkpoint, waiting up to `maxPollWaitMs` while the shard is
   * idle. Returns as soon as records arrive or the shard ends.
   */
  async fetch(req: FetchRequest): Promise<FetchResult> {
    const startedAt = this.deps.now();
    let iterator = await this.acquire(req);
    let calls = 0;
    let throttled = 0;
    const shardKey = `${req.streamName}/${req.shardId}`;
    let lastCallAt = this.lastGetRecordsAt.get(shardKey) ?? 0;
    /** Records of earlier polls held back by the batching window. */
    let collected: _Record[] = [];
    let firstRecordAt: number | undefined;
    for (;;) {
      const sinceLast = this.deps.now() - lastCallAt;
      if (sinceLast < MIN_GET_RECORDS_INTERVAL_MS)
        await this.deps.sleep(MIN_GET_RECORDS_INTERVAL_MS - sinceLast);
      lastCallAt = this.deps.now();
      this.lastGetRecordsAt.set(shardKey, lastCallAt);
      calls++;
      let out;
      try {
        const input = { ShardIterator: iterator, Limit: req.limit - collected.length };
        out = await this.call(req, (o) => this.deps.kinesis.send(new GetRecordsCommand(input), o));
      } catch (err) {
        if (isExpiredIterator(err)) {
          this.deps.onReadEvent?.(req, 'expired-iterator');
          // Re-derive after what this call already holds (whole raw records), else from the checkpoint.
          const held = collected[collected.length - 1]?.SequenceNumber;
          iterator = await this.acquire(
            held === undefined ? req : { ...req, checkpoint: { sequenceNumber: held } },
          );
          continue;
        }
        if (isThrottling(err)) {
          // Backing off is progress: sustained throttling must not run into the heartbeat timeout.
          this.deps.onReadEvent?.(req, 'throttled:GetRecords');
          this.deps.heartbeat({ phase: 'throttled', throttled: throttled + 1, getRecordsCalls: calls });
          await this.deps.sleep(backoff(throttled++));
          continue;
        }
        throw this.failure(req, 'GetRecords', err);
      }
      const records = collected.length > 0 ? [...collected, ...(out.Records ?? [])] : (out.Records ?? []);
      const next = out.NextShardIterator ?? null;
      const waitedMs = this.deps.now() - startedAt;
      const done = (childShardIds: string[] | null): FetchResult => ({
        records,
        nextIterator: next,
        millisBehindLatest: out.MillisBehindLatest ?? null,
        childShardIds,
        getRecordsCalls: calls,
        throttled,
        waitedMs,
        issuedAt: lastCallAt,
      });
      if (next === null) {
        this.lastGetRecordsAt.delete(shardKey);
        return done(out.ChildShards ? out.ChildShards.map((c) => c.ShardId ?? '').filter(Boolean) : null);
      }
      if (records.length > 0) {
        // Batching window (Lambda's MaximumBatchingWindowInSeconds): fill the batch a little longer.
        firstRecordAt ??= this.deps.now();
        const windowLeft = (req.batchingWindowMs ?? 0) - (this.deps.now() - firstRecordAt);
        if (records.length >= req.limit || windowLeft <= 0) return done(null);
        collected = records;
        iterator = next;
        this.deps.heartbeat({ phase: 'batching', records: records.length, getRecordsCalls: calls });
        await this.deps.sleep(Math.min(req.idlePollIntervalMs, windowLeft));
        continue;
      }
      iterator = next;
      if (waitedMs >= req.maxPollWaitMs) {
        // Nothing consumed: the next call may start from this iterator.
        this.deps.iterators.put(
          req.streamName,
          req.shardId,
          req.checkpoint,
          next,
          this.deps.now(),
          req.startPosition,
        );
        return done(null);
      }
      this.deps.heartbeat({ phase: 'idle', waitedMs, getRecordsCalls: calls });
      // Behind the tip (empty segments of a busy shard): poll again at the rate limit, not the idle interval.
      const behind = (out.MillisBehindLatest ?? 0) > 0;
      await this.deps.sleep(behind ? MIN_GET_RECORDS_INTERVAL_MS : req.idlePollIntervalMs);
    }
  }
}

function backoff(throttled: number): number {
  return backoffMs(THROTTLE_BACKOFF, throttled, Math.random());
}
