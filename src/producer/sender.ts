/**
 * One PutRecords request and what its answer decides for each entry: settle its records, retry
 * them after a backoff with jitter (throttled, transient, or routed by a stale shard map), or
 * reject them with their key's followers when a retry cannot help or their TTL would pass.
 */
import type { ProducerMetrics } from './producer-metrics';
import { type KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { classifyAwsError, isThrottling, isTransient } from '../aws/classify';
import type { Entry } from './batcher';
import { backoffMs } from '../config/backoff';
import { ErrorType } from '../errors';
import type { KeyQueues } from './key-queues';
import type { ShardRateLimiter } from './rate-limiter';
import { type Settlements, groupByKey } from './settlements';
import type { ShardMap } from './shard-map';

export interface SenderDeps {
  kinesis: KinesisClient;
  streamName: string;
  retry: { initialDelayMs: number; maxDelayMs: number };
  recordTtlMs: number;
  map: ShardMap;
  limiter: ShardRateLimiter;
  queues: KeyQueues;
  settlements: Settlements;
  metrics: ProducerMetrics;
  counters: {
    kinesisRecordsPut: number;
    bytesPut: number;
    putRecordsCalls: number;
    retries: number;
    throttles: number;
    wrongShard: number;
  };
  /** Aborted by the producer's `abort()`: requests in flight end. */
  signal: AbortSignal;
  now: () => number;
  /** Called when a request has ended, to send what waits. */
  onDone: () => void;
}

function isStaleMapAnswer(code: string | undefined, message: string | undefined): boolean {
  return (
    code === 'ResourceNotFoundException' ||
    (code === 'InvalidArgumentException' && /shard/i.test(message ?? ''))
  );
}

export class Sender {
  inFlight = 0;
  /** Between attempts of a record: doubling, with equal jitter so throttled writers spread out. */
  private readonly retryBackoff: { initialMs: number; coefficient: number; maxMs: number };

  constructor(private readonly deps: SenderDeps) {
    this.retryBackoff = {
      initialMs: deps.retry.initialDelayMs,
      coefficient: 2,
      maxMs: deps.retry.maxDelayMs,
    };
  }
  /** An entry failed: retry its records after a backoff, or reject them when that cannot help. */
  private entryFailed(entry: Entry, error: unknown, retryable: boolean): void {
    const { counters, queues, settlements } = this.deps;
    const at = this.deps.now();
    for (const [key, records] of groupByKey(entry.records)) {
      for (const r of records) r.attempts++;
      const attempts = Math.max(...records.map((r) => r.attempts));
      const retryAt = at + backoffMs(this.retryBackoff, attempts - 1, Math.random());
      const expired = records.some((r) => retryAt - r.acceptedAt > this.deps.recordTtlMs);
      if (retryable && !expired) {
        counters.retries += records.length;
        this.deps.metrics.retried(records.length);
        queues.retryLater(key, records, retryAt);
      } else {
        settlements.failInFlight(key, records, error);
      }
    }
  }

  private entrySucceeded(entry: Entry, result: PutRecordsResultEntry): void {
    const { counters, queues, settlements } = this.deps;
    const shardId = result.ShardId as string;
    const sequenceNumber = result.SequenceNumber as string;
    if (shardId !== entry.shardId) {
      // Kinesis routed it elsewhere: the shards changed. The records are in the stream all the same.
      counters.wrongShard++;
      this.deps.map.invalidate();
    }
    counters.kinesisRecordsPut++;
    counters.bytesPut += entry.bytes;
    entry.records.forEach((r, i) =>
      settlements.settle(r, {
        result: entry.aggregated
          ? { shardId, sequenceNumber, subSequenceNumber: i }
          : { shardId, sequenceNumber },
      }),
    );
    for (const key of groupByKey(entry.records).keys()) queues.settled(key);
  }

  async send(entries: Entry[]): Promise<void> {
    const { counters, map, limiter, signal } = this.deps;
    const where = { operation: 'PutRecords', streamName: this.deps.streamName };
    this.inFlight++;
    counters.putRecordsCalls++;
    try {
      let out;
      try {
        out = await this.deps.kinesis.send(
          new PutRecordsCommand({ StreamName: where.streamName, Records: entries.map((e) => e.request) }),
          { abortSignal: signal },
        );
      } catch (err) {
        if (signal.aborted) {
          // Aborted: the records may or may not be in the stream; their puts reject with the reason.
          for (const entry of entries) {
            for (const [key, records] of groupByKey(entry.records)) {
              this.deps.settlements.failInFlight(key, records, signal.reason);
            }
          }
          return;
        }
        const error = classifyAwsError(err, where);
        if (isThrottling(error)) {
          counters.throttles++;
          this.deps.metrics.throttled();
          for (const shardId of new Set(entries.map((e) => e.shardId))) limiter.throttled(shardId);
        }
        const stale = error.type === ErrorType.StreamNotFound;
        if (stale) map.invalidate();
        for (const entry of entries) this.entryFailed(entry, error, stale || isTransient(error));
        return;
      }
      const results = out.Records ?? [];
      entries.forEach((entry, i) => {
        const result = results[i];
        if (result?.SequenceNumber && result.ShardId && !result.ErrorCode) {
          this.entrySucceeded(entry, result);
          return;
        }
        const code = result?.ErrorCode ?? 'InternalFailure';
        const message = result?.ErrorMessage ?? 'PutRecords returned no result for this entry';
        const error = classifyAwsError(
          { name: code, message, $metadata: { httpStatusCode: 200 } },
          { ...where, shardId: entry.shardId },
        );
        if (isThrottling(error)) {
          counters.throttles++;
          this.deps.metrics.throttled();
          limiter.throttled(entry.shardId);
        }
        const stale = isStaleMapAnswer(code, message);
        if (stale) map.invalidate();
        this.entryFailed(entry, error, stale || isTransient(error));
      });
    } finally {
      this.inFlight--;
      this.deps.onDone();
    }
  }
}
