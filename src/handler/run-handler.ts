/**
 * Calls a handler on a batch and says what came of it, with Lambda's rules: a throw or an unusable
 * answer fails every record, `batchItemFailures` fails the records it names. The batch activity and
 * the DLQ replay both run handlers through here, so a record fails the same way in both.
 */
import type { KinesisRecord } from '../records';
import { interpretBatchResult } from './batch-result';
import type { BatchHandler, HandlerContext } from './contract';

/**
 * A handler's failure, in full: for the DLQ envelope and the worker log. What of it may enter
 * workflow history is decided by `summarizeError` (error-text.ts).
 */
export interface HandlerError {
  /** The thrown error's `name`, or `InvalidBatchResponse` / `BatchItemFailures`. */
  type: string;
  message: string;
  stack?: string;
}

/** What a handler call came to: every record confirmed, or a failure. */
export type HandlerVerdict = { firstUnconfirmed: number; failed: []; error: null } | HandlerFailure;

/** Some or all records failed. */
export interface HandlerFailure {
  /** Index of the first record not confirmed. */
  firstUnconfirmed: number;
  /** Indexes of records that failed (all from firstUnconfirmed when the whole batch failed). */
  failed: number[];
  error: HandlerError;
}

/** Runs the handler on `records`; a throw or an unusable answer fails them all (Lambda's rules). */
export async function runHandler(
  handler: BatchHandler,
  records: readonly KinesisRecord[],
  context: HandlerContext,
): Promise<HandlerVerdict> {
  const all = (error: HandlerError): HandlerFailure => ({
    firstUnconfirmed: 0,
    failed: records.map((_, i) => i),
    error,
  });
  let result;
  try {
    result = await handler(records, context);
  } catch (thrown) {
    return all(describeThrown(thrown));
  }
  const verdict = interpretBatchResult(records, result ?? undefined);
  switch (verdict.kind) {
    case 'ok':
      return { firstUnconfirmed: records.length, failed: [], error: null };
    case 'failed':
      return all({ type: 'InvalidBatchResponse', message: verdict.reason });
    case 'partial':
      return {
        firstUnconfirmed: verdict.lowestFailedIndex,
        failed: verdict.failedIndexes,
        error: {
          type: 'BatchItemFailures',
          message: `handler reported ${verdict.failedIndexes.length} of ${records.length} records failed`,
        },
      };
  }
}

/**
 * What a thrown value says about itself, as strings. Never throws, whatever was thrown: an error
 * from another realm, a string, an object whose `message` getter or `toString` throws.
 */
export function describeThrown(thrown: unknown): HandlerError {
  if (typeof thrown === 'object' && thrown !== null) {
    const name = readString(() => (thrown as { name?: unknown }).name);
    const message = readString(() => (thrown as { message?: unknown }).message);
    const stack = readString(() => (thrown as { stack?: unknown }).stack);
    if (message !== undefined || thrown instanceof Error) {
      return { type: name || 'Error', message: message ?? '', ...(stack ? { stack } : {}) };
    }
  }
  return { type: 'Error', message: readString(() => String(thrown)) ?? `a thrown ${typeof thrown}` };
}

function readString(read: () => unknown): string | undefined {
  try {
    const value = read();
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
