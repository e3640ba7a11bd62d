/**
 * The batch activity's event filtering (Lambda's FilterCriteria): the records of a call that no
 * filter matches never reach the handler; the checkpoint still moves past them with the batch.
 * Filters are compiled once per distinct criteria on this worker.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ConfigError, ErrorType } from '../../errors';
import type { CompiledFilterCriteria } from '../../filter/criteria';
import { type RecordFilter, applyFilter, createRecordFilter } from '../../filter/record-filter';
import type { KinesisRecord } from '../../records';

/** Criteria a worker keeps compiled (a worker serves few streams; more are simply compiled again). */
const MAX_CACHED = 16;

export interface FilteredBatch {
  /** The records any filter matches, in stream order: what the handler may see. */
  kept: KinesisRecord[];
  /** For the result: `{ filteredOut }` when the call has criteria, nothing otherwise. */
  counted: { filteredOut?: number };
}

/** Returns a function that filters a call's records by its criteria. */
export function createBatchFilter(): (
  criteria: CompiledFilterCriteria | null | undefined,
  records: readonly KinesisRecord[],
) => FilteredBatch {
  const cache = new Map<string, RecordFilter>();
  const filterOf = (criteria: CompiledFilterCriteria): RecordFilter => {
    const key = JSON.stringify(criteria);
    let filter = cache.get(key);
    if (filter === undefined) {
      filter = compile(criteria);
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(key, filter);
    }
    return filter;
  };
  return (criteria, records) => {
    if (criteria === null || criteria === undefined) return { kept: [...records], counted: {} };
    const { kept, filteredOut } = applyFilter(filterOf(criteria), records);
    return { kept, counted: { filteredOut } };
  };
}

/**
 * Criteria the options compiler would refuse (a hand-made activity input, or a worker stricter than
 * the one that compiled them) fail the call for good as a bug, so the shard workflow pauses with the
 * reason instead of retrying: the checkpoint stays, nothing is delivered unfiltered.
 */
function compile(criteria: CompiledFilterCriteria): RecordFilter {
  try {
    return createRecordFilter(criteria);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw ApplicationFailure.create({
      type: ErrorType.Programming,
      message: `filter criteria that compileStreamOptions should have refused: ${err.message}`,
      nonRetryable: true,
    });
  }
}

/**
 * The record just before `record` in the call's full list (filtered-out records included: they are
 * settled), where a retry may resume after; undefined when it is the first.
 */
export function settledBefore(
  all: readonly KinesisRecord[],
  record: KinesisRecord | undefined,
): KinesisRecord | undefined {
  const index = record === undefined ? -1 : all.indexOf(record);
  return index > 0 ? all[index - 1] : undefined;
}
