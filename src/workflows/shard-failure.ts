/**
 * The shard workflow's failure policy as pure transitions: after a batch, what the next one looks
 * like — the same records again after a backoff, half of them at once (bisect), or the one record
 * a `batchItemFailures` response named. Lambda's event-source-mapping rules, plus the isolation of
 * a reported failure. Pure module: safe in workflow code, unit-tested without a server.
 */
import { type CompiledRetry, retryDelayMs } from '../config/stream-options';
import type { BisectState } from './shard-state';

/** What the transition needs to know about a batch (a subset of the batch activity's result). */
export interface BatchVerdict {
  outcome: 'idle' | 'handled' | 'retry' | 'dead-lettered';
  /** User records this call consumed or handed to the handler (after the bisect limit). */
  fetched: number;
  /** Records handed to the handler (fetched minus records dead-lettered for their age). */
  handlerRecords?: number;
  /** How the handler failed: 'batch' (threw, or an unusable response) or 'records' (batchItemFailures). */
  failure?: 'batch' | 'records' | null;
}

export interface FailureState {
  attempt: number;
  bisect: BisectState | null;
}

export interface NextBatch extends FailureState {
  /** Wait this long before the next call; 0 for a split, which is not a retry. */
  delayMs: number;
}

export interface FailurePolicy {
  retry: CompiledRetry;
  bisectBatchOnError: boolean;
}

/**
 * The attempt counter counts deliveries of the record at the checkpoint. A batch failed as a whole
 * with bisecting on is split in two without using an attempt (as in Lambda): only the first half
 * is handed over next, and once a half succeeds the failure is known to lie in the rest, which is
 * halved in turn, so one poison record among N is alone after about log2(N) calls and every good
 * record is confirmed in exactly one call. A `batchItemFailures` response already names the failed
 * record: the checkpoint stops just before it (Lambda's rule) and, with bisecting on, it is
 * retried alone, so its retries no longer redeliver the records after it. A record failing alone
 * is retried with backoff until its attempts are used up; then the batch activity dead-letters it.
 */
export function afterBatch(
  previous: FailureState,
  batch: BatchVerdict,
  checkpointAdvanced: boolean,
  policy: FailurePolicy,
): NextBatch {
  if (batch.outcome === 'retry') {
    const handed = batch.handlerRecords ?? batch.fetched;
    if (policy.bisectBatchOnError && batch.failure === 'batch' && handed > 1) {
      return {
        attempt: previous.attempt,
        bisect: { limit: Math.ceil(handed / 2), remaining: handed },
        delayMs: 0,
      };
    }
    // A partial success moved the checkpoint: the new first record has failed once already.
    const attempt = checkpointAdvanced ? 2 : previous.attempt + 1;
    const bisect =
      policy.bisectBatchOnError && batch.failure === 'records' ? { limit: 1, remaining: 1 } : previous.bisect;
    return { attempt, bisect, delayMs: retryDelayMs(policy.retry, attempt) };
  }
  const bisect = previous.bisect;
  if (bisect === null || batch.outcome === 'idle') return { attempt: 1, bisect, delayMs: 0 };
  const remaining = bisect.remaining - batch.fetched;
  return {
    attempt: 1,
    bisect: remaining > 0 ? { limit: Math.ceil(remaining / 2), remaining } : null,
    delayMs: 0,
  };
}
