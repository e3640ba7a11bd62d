/**
 * Compiled stream options as a workflow may find them in its input: compiled by any earlier ksp
 * version, so the fields added since the first release are honestly optional here. Workflows
 * upgrade them once, at entry, to the current `CompiledStreamOptions`; nothing else reads the
 * stored shape. Pure module: safe to import from workflow code.
 */
import { type CompiledRetry, type CompiledStreamOptions, DEFAULTS } from './stream-options';

/** Retry options as stored: `nonRetryableErrorTypes` came with the failure policy. */
export type StoredRetry = Omit<CompiledRetry, 'nonRetryableErrorTypes'> & {
  nonRetryableErrorTypes?: string[];
};

/** Compiled options as stored by any ksp version. */
export type StoredStreamOptions = Omit<
  CompiledStreamOptions,
  'retry' | 'maxBatchingWindowMs' | 'maximumRecordAgeMs' | 'bisectBatchOnError'
> & {
  retry: StoredRetry;
  /** Added with the batching window. */
  maxBatchingWindowMs?: number;
  /** Added with the failure policy (maximum record age, bisect, non-retryable types). */
  maximumRecordAgeMs?: number | null;
  bisectBatchOnError?: boolean;
};

/** The stored options in the current shape: what older versions did not store gets its default. */
export function upgradeCompiledOptions(stored: StoredStreamOptions): CompiledStreamOptions {
  const { retry, maxBatchingWindowMs, maximumRecordAgeMs, bisectBatchOnError, ...rest } = stored;
  return {
    ...rest,
    retry: {
      ...retry,
      nonRetryableErrorTypes: retry.nonRetryableErrorTypes ?? [...DEFAULTS.retry.nonRetryableErrorTypes],
    },
    maxBatchingWindowMs: maxBatchingWindowMs ?? DEFAULTS.maxBatchingWindow,
    maximumRecordAgeMs: maximumRecordAgeMs ?? DEFAULTS.maximumRecordAge,
    bisectBatchOnError: bisectBatchOnError ?? DEFAULTS.bisectBatchOnError,
  };
}
