/**
 * The activity retry policies of every workflow, named once. Infrastructure failures (Kinesis,
 * SQS or Temporal unreachable, throttled) retry with backoff; the error types in
 * `NON_RETRYABLE_TYPES` (src/errors.ts) never do. Handler failures are not activity failures:
 * the shard workflow decides those itself (see shard-failure.ts).
 */
import type { RetryPolicy } from '@temporalio/common';
import { NON_RETRYABLE_TYPES } from '../errors';

/** Forever, 1 s doubling to 1 min: for long-lived loops that must outlast any outage. */
export const INFRA_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  nonRetryableErrorTypes: [...NON_RETRYABLE_TYPES],
};

/**
 * `INFRA_RETRY` from a shorter first interval, for the shard's batch activities. A SIGKILLed
 * worker's shard is retried when its heartbeat times out, so the first interval adds to every
 * failover (the bench measured `heartbeatTimeout` + 1.0–2.7 s with 1 s); later retries (Kinesis
 * unreachable) still back off to a minute.
 */
export const SHARD_RETRY: RetryPolicy = { ...INFRA_RETRY, initialInterval: '200ms' };

/** Bounded attempts on top of `INFRA_RETRY`, for a one-off step whose caller reports the failure. */
export function boundedInfraRetry(maximumAttempts: number, maximumInterval: string = '30s'): RetryPolicy {
  return { ...INFRA_RETRY, maximumInterval, maximumAttempts };
}

/** `policy` with more failure types no retry can fix (a workflow's own refusals, for one). */
export function withNonRetryable(policy: RetryPolicy, ...types: string[]): RetryPolicy {
  return { ...policy, nonRetryableErrorTypes: [...types, ...(policy.nonRetryableErrorTypes ?? [])] };
}
