/**
 * Where a DLQ replay sends records: through the worker's handler again (the same verdict rules as
 * the batch activity), or back into a stream with PutRecords, keeping partition and hash keys so
 * each record lands where its key's records are. Both report exactly which records failed.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { classifyAwsError, isThrottling } from '../../aws/classify';
import type { BatchHandler, HandlerContext } from '../../handler/contract';
import type { KinesisRecord } from '../../records';
import { runHandler } from '../../handler/run-handler';

export interface ReplayOutcome {
  /** The records that were not replayed, in order; empty when all were. */
  failed: KinesisRecord[];
  error: { type: string; message: string; stack?: string } | null;
}

/** Runs the handler on the records; a partial response fails exactly the records it names. */
export async function replayThroughHandler(
  handler: BatchHandler,
  records: readonly KinesisRecord[],
  context: HandlerContext,
): Promise<ReplayOutcome> {
  const verdict = await runHandler(handler, records, context);
  return { failed: verdict.failed.map((i) => records[i] as KinesisRecord), error: verdict.error };
}

/** PutRecords limits: 500 entries and 5 MiB (data plus partition keys) per request. */
const MAX_ENTRIES = 500;
const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
/** Tries per entry that Kinesis refuses (throttled or internal error) before the record counts as failed. */
const ENTRY_TRIES = 4;

function entryOf(r: KinesisRecord): PutRecordsRequestEntry {
  return {
    Data: r.data,
    PartitionKey: r.partitionKey,
    ...(r.explicitHashKey === undefined ? {} : { ExplicitHashKey: r.explicitHashKey }),
  };
}

function requests(records: readonly KinesisRecord[]): KinesisRecord[][] {
  const out: KinesisRecord[][] = [];
  let current: KinesisRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = r.data.byteLength + Buffer.byteLength(r.partitionKey);
    if (current.length > 0 && (current.length >= MAX_ENTRIES || bytes + size > MAX_REQUEST_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export class RecordReputter {
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  /**
   * Puts the records into `streamName`, retrying entries Kinesis refuses. A request refused as a
   * whole for a reason no retry fixes (stream missing, access denied) throws, classified.
   */
  async put(streamName: string, records: readonly KinesisRecord[]): Promise<ReplayOutcome> {
    const failed: KinesisRecord[] = [];
    let error: ReplayOutcome['error'] = null;
    for (const request of requests(records)) {
      let pending = request;
      for (let attempt = 1; pending.length > 0; attempt++) {
        let out;
        try {
          out = await this.kinesis.send(
            new PutRecordsCommand({ StreamName: streamName, Records: pending.map(entryOf) }),
          );
        } catch (err) {
          if (isThrottling(err) && attempt < ENTRY_TRIES) {
            await this.sleep(200 * 2 ** attempt);
            continue;
          }
          throw classifyAwsError(err, { operation: 'PutRecords', streamName });
        }
        const refused = pending.filter((_, i) => out.Records?.[i]?.ErrorCode);
        const first = out.Records?.find((r) => r.ErrorCode);
        if (first)
          error = { type: first.ErrorCode ?? 'PutRecordsError', message: first.ErrorMessage ?? 'refused' };
        if (refused.length === 0 || attempt >= ENTRY_TRIES) {
          failed.push(...refused);
          break;
        }
        pending = refused;
        await this.sleep(200 * 2 ** attempt);
      }
    }
    return { failed, error: failed.length > 0 ? error : null };
  }
}
