/**
 * Scripted batch-activity results for workflow tests: the workflow logic is what is under test
 * here; the real activity is tested against the emulators.
 */
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import { type CompiledStreamOptions, compileStreamOptions } from '../../src/config/stream-options';
import type { LoopSummary } from '../../src/activities/shard/consume-contract';

export function seq(n: number): string {
  // 56-digit sequence numbers like Kinesis', increasing with n.
  return `4959${String(n).padStart(52, '0')}`;
}

export function result(over: Partial<ProcessBatchResult>): ProcessBatchResult {
  return {
    outcome: 'handled',
    checkpoint: null,
    fetched: 0,
    handlerRecords: 0,
    failure: null,
    expired: 0,
    handled: 0,
    deadLettered: 0,
    bytes: 0,
    millisBehindLatest: 0,
    shardEnded: false,
    childShardIds: null,
    lastArrival: null,
    error: null,
    waitedMs: 0,
    getRecordsCalls: 1,
    ...over,
  };
}

/** A handled batch of `n` records ending at sequence `last`. */
export function handled(last: number, n = 10, extra: Partial<ProcessBatchResult> = {}): ProcessBatchResult {
  return result({
    outcome: 'handled',
    checkpoint: { sequenceNumber: seq(last) },
    fetched: n,
    handled: n,
    bytes: n * 100,
    ...extra,
  });
}

/** The last attempt at a batch of `n` ending at `last`: one record dead-lettered, the rest handled. */
export function deadLetteredOne(last: number, n = 10, message = 'poison'): ProcessBatchResult {
  return result({
    outcome: 'dead-lettered',
    checkpoint: { sequenceNumber: seq(last) },
    fetched: n,
    handled: n - 1,
    deadLettered: 1,
    error: { type: 'Error', message },
  });
}

export function idle(input: ProcessBatchInput, waitedMs = 0): ProcessBatchResult {
  return result({ outcome: 'idle', checkpoint: input.checkpoint, waitedMs });
}

export function testOptions(over: Record<string, unknown> = {}): CompiledStreamOptions {
  return compileStreamOptions({
    streamName: 'orders',
    dlqQueueUrl: 'http://127.0.0.1:1/000000000000/orders-dlq',
    maxPollWait: '5m',
    progressInterval: '1s',
    ...over,
  });
}

/** A consuming loop's summary (consume-contract.ts): one busy batch that returned for its lifetime, unless `over` says otherwise. */
export function loopSummary(over: Partial<LoopSummary> = {}): LoopSummary {
  return {
    mode: 'busy',
    reason: 'lifetime',
    batches: 1,
    getRecordsCalls: 1,
    elapsedMs: 0,
    activityAttempt: 1,
    ...over,
  };
}
