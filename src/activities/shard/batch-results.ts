/**
 * Builds the batch activity's results: what the fetch contributes is stated once, each outcome
 * states only what differs (the rest means "nothing happened"), and every result passes one size
 * guard on its way out, so no handler error can push it toward Temporal's payload limit.
 */
import { type ErrorSummary, summarizeError, truncateUtf8, utf8Length } from '../../handler/error-text';
import type { Checkpoint } from '../../records';
import type { BatchOutcome, ProcessBatchResult } from './batch-contract';

/**
 * A result's JSON stays under this many UTF-8 bytes (64 KiB), far below Temporal's 2 MiB payload
 * limit, so that the shard workflow can also carry what it reports of it.
 */
export const MAX_RESULT_BYTES = 64 * 1024;

/** What one fetch contributes to the result, whatever the outcome. */
export type FetchSummary = Pick<
  ProcessBatchResult,
  | 'fetched'
  | 'bytes'
  | 'millisBehindLatest'
  | 'childShardIds'
  | 'lastArrival'
  | 'waitedMs'
  | 'getRecordsCalls'
  | 'shardEnded'
  | 'filteredOut'
>;

/** What an outcome may state beyond its name and checkpoint; whatever it leaves out is none. */
export type OutcomeDetails = Partial<
  Pick<
    ProcessBatchResult,
    | 'fetched'
    | 'handlerRecords'
    | 'failure'
    | 'expired'
    | 'handled'
    | 'deadLettered'
    | 'shardEnded'
    | 'error'
    | 'owed'
    | 'owedOverflow'
    | 'quarantined'
    | 'quarantineFull'
    | 'quarantinedRecords'
  >
>;

/** The counts of a call in which nothing was handled, dead-lettered or failed. */
const NOTHING_DONE = {
  handlerRecords: 0,
  failure: null,
  expired: 0,
  handled: 0,
  deadLettered: 0,
  error: null,
} as const;

/** The results of one batch activity call, all sharing its fetch. */
export class BatchResults {
  constructor(
    private readonly fetch: FetchSummary,
    private readonly maxBytes: number = MAX_RESULT_BYTES,
    /** What every outcome carries unless it says otherwise (the owed records left as they were). */
    private readonly carried: OutcomeDetails = {},
  ) {}

  /**
   * The result for `outcome` with the checkpoint it leaves: the fetch's figures, overridden by
   * `details`; an error is bounded (type and message, see error-text.ts) and the whole is size-guarded.
   */
  of(outcome: BatchOutcome, checkpoint: Checkpoint | null, details: OutcomeDetails = {}): ProcessBatchResult {
    const error = details.error ? summarizeError(details.error) : null;
    return fitResult(
      { ...this.fetch, ...NOTHING_DONE, ...this.carried, ...details, error, outcome, checkpoint },
      this.maxBytes,
    );
  }
}

/** UTF-8 bytes of a value's JSON: what the payload converter will send. */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value));
}

/**
 * The size guard: a result whose JSON is over `maxBytes` has its error message cut until it fits
 * (the rest of a result is counts and identifiers of bounded size). Throws only on a result that
 * cannot fit even without its error message, which would be a bug in this module.
 */
export function fitResult(
  result: ProcessBatchResult,
  maxBytes: number = MAX_RESULT_BYTES,
): ProcessBatchResult {
  const bytes = jsonBytes(result);
  if (bytes <= maxBytes) return result;
  if (result.error !== null) {
    const { error } = result;
    // JSON may spend up to 6 bytes on one byte of text (\u0000): halve until it fits.
    for (let room = maxBytes - jsonBytes({ ...result, error: { ...error, message: '' } }); room > 0; ) {
      const trimmed = { ...result, error: cutMessage(error, room) };
      if (jsonBytes(trimmed) <= maxBytes) return trimmed;
      room = Math.floor(room / 2);
    }
    const bare = { ...result, error: cutMessage(error, 0) };
    if (jsonBytes(bare) <= maxBytes) return bare;
  }
  throw new Error(
    `bug: a batch result of ${bytes} bytes does not fit in ${maxBytes} bytes even without its error`,
  );
}

function cutMessage(error: ErrorSummary, maxBytes: number): ErrorSummary {
  return { type: error.type, message: truncateUtf8(error.message, maxBytes) };
}
