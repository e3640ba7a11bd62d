/**
 * What one batch call adds to ksp's metrics (src/metrics/catalog.ts), per stream and shard:
 * records and bytes read, records handled and dead-lettered (by reason), retries and the iterator
 * age. The shard workflow sets its state and when its checkpoint last moved (shard-gauges.ts).
 * Counts only: no record, key or error text becomes a label.
 */
import type { KspMetrics } from '../../metrics/recorder';
import type { ProcessBatchInput, ProcessBatchResult } from './batch-contract';
import type { ReadEvent } from './reader';

export type DeadLetterReason = 'record-age' | 'corrupt' | 'non-retryable' | 'retries-exhausted';

/** Why the records past the expired ones went to the DLQ. */
function reasonOf(input: ProcessBatchInput, result: ProcessBatchResult): DeadLetterReason {
  const type = result.error?.type ?? '';
  if (type === 'CorruptRecord') return 'corrupt';
  if ((input.nonRetryableErrorTypes ?? []).includes(type)) return 'non-retryable';
  return 'retries-exhausted';
}

export function recordBatchMetrics(
  metrics: KspMetrics,
  input: ProcessBatchInput,
  result: ProcessBatchResult,
): void {
  const shard = { stream: input.streamName, shard: input.shardId };
  metrics.count('recordsRead', result.fetched, shard);
  metrics.count('bytesRead', result.bytes, shard);
  metrics.count('recordsHandled', result.handled, shard);
  metrics.count('recordsDeadLettered', result.expired, { ...shard, reason: 'record-age' });
  metrics.count('recordsDeadLettered', result.deadLettered - result.expired, {
    ...shard,
    reason: reasonOf(input, result),
  });
  if (result.outcome === 'retry') metrics.count('batchRetries', 1, shard);
  if (result.millisBehindLatest !== null) metrics.set('iteratorAge', result.millisBehindLatest / 1000, shard);
}

/** A throttled Kinesis call or an expired iterator, counted per shard. */
export function recordReadEvent(
  metrics: KspMetrics,
  req: { streamName: string; shardId: string },
  event: ReadEvent,
): void {
  const shard = { stream: req.streamName, shard: req.shardId };
  if (event === 'expired-iterator') metrics.count('expiredIterators', 1, shard);
  else metrics.count('throttles', 1, { ...shard, api: event.slice('throttled:'.length) });
}
