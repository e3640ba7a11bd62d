/**
 * Which DLQ messages, and which of their records, a replay selects. Pure: decided from the parsed
 * envelope alone, before anything is replayed.
 */
import type { KinesisRecord } from '../records';
import type { DlqEnvelope } from './format';
import type { CompiledDlqReplayFilters } from '../config/replay-options';

/** Why a message was not selected; null when it was. */
export function messageFilterMiss(envelope: DlqEnvelope, filters: CompiledDlqReplayFilters): string | null {
  const { streamName, error, timestamp } = envelope;
  const { shardId } = envelope.KinesisBatchInfo;
  if (filters.streamNames.length > 0 && !filters.streamNames.includes(streamName)) {
    return `stream ${streamName} not selected`;
  }
  if (filters.shardIds.length > 0 && !filters.shardIds.includes(shardId)) {
    return `shard ${shardId} not selected`;
  }
  if (filters.errorTypes.length > 0 && !filters.errorTypes.includes(error.type)) {
    return `error type ${error.type} not selected`;
  }
  if (filters.since === null && filters.until === null) return null; // no time to parse
  const at = Date.parse(timestamp);
  if (filters.since !== null && at < Date.parse(filters.since))
    return `dead-lettered before ${filters.since}`;
  if (filters.until !== null && at >= Date.parse(filters.until))
    return `dead-lettered at or after ${filters.until}`;
  return null;
}

/** Splits a message's records into those the partition-key filter selects and the rest, in order. */
export function selectRecords(
  records: readonly KinesisRecord[],
  filters: Pick<CompiledDlqReplayFilters, 'partitionKeys'>,
): { selected: KinesisRecord[]; rest: KinesisRecord[] } {
  if (filters.partitionKeys.length === 0) return { selected: [...records], rest: [] };
  const keys = new Set(filters.partitionKeys);
  const selected: KinesisRecord[] = [];
  const rest: KinesisRecord[] = [];
  for (const r of records) (keys.has(r.partitionKey) ? selected : rest).push(r);
  return { selected, rest };
}
