/**
 * Reads back the records of a metadata-only DLQ message (a record too large to travel in SQS)
 * from the stream, by the sequence numbers its KinesisBatchInfo pinpoints, while the stream still
 * retains them. A record past retention is reported as gone, not as a failure to retry.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { type CallBounds, type SendOptions, classifiedCall } from '../../aws/call';
import { isThrottling } from '../../aws/classify';
import { type BackoffPolicy, backoffMs } from '../../config/backoff';
import { ErrorType } from '../../errors';
import type { DlqEnvelope } from '../../dlq/envelope';
import { type KinesisRecord, compareSequence } from '../../records';
import { toUserRecords } from '../shard/user-records';

export type RereadResult = { ok: true; records: KinesisRecord[] } | { ok: false; reason: string };

/** GetRecords calls one re-read may make before it gives up looking (records far apart: empty segments). */
const MAX_READS = 20;
/** Pauses while throttled: 500 ms doubling, at most 5 tries. */
const THROTTLE_BACKOFF: BackoffPolicy = { initialMs: 500, coefficient: 2, maxMs: 8_000 };

/** Position of a user record relative to a (sequence, sub-sequence) bound; sub-sequences count only when both have one. */
function compareTo(record: KinesisRecord, seq: string, sub: number | undefined): number {
  const bySeq = compareSequence(record.sequenceNumber, seq);
  if (bySeq !== 0 || sub === undefined || record.subSequenceNumber === undefined) return bySeq;
  return record.subSequenceNumber - sub;
}

export class RecordRereader {
  constructor(
    private readonly kinesis: KinesisClient,
    private readonly sleep: (ms: number) => Promise<void>,
    /** Bounds of each Kinesis call (aborted when the replay attempt is lost). */
    private readonly bounds: () => CallBounds = () => ({}),
  ) {}

  private async call<T>(
    operation: string,
    envelope: DlqEnvelope,
    run: (options: SendOptions) => Promise<T>,
  ): Promise<T> {
    const context = {
      operation,
      streamName: envelope.streamName,
      shardId: envelope.KinesisBatchInfo.shardId,
    };
    for (let throttled = 0; ; throttled++) {
      try {
        return await classifiedCall(this.bounds(), context, run);
      } catch (err) {
        if (!isThrottling(err) || throttled >= 5) throw err;
        await this.sleep(backoffMs(THROTTLE_BACKOFF, throttled));
      }
    }
  }

  async reread(envelope: DlqEnvelope): Promise<RereadResult> {
    const info = envelope.KinesisBatchInfo;
    const source = { streamName: envelope.streamName, shardId: info.shardId };
    const where = `${envelope.streamName}/${info.shardId} at ${info.startSequenceNumber}`;
    let iterator: string | undefined;
    try {
      iterator = (
        await this.call('GetShardIterator', envelope, (o) =>
          this.kinesis.send(
            new GetShardIteratorCommand({
              StreamName: envelope.streamName,
              ShardId: info.shardId,
              ShardIteratorType: 'AT_SEQUENCE_NUMBER',
              StartingSequenceNumber: info.startSequenceNumber,
            }),
            o,
          ),
        )
      ).ShardIterator;
    } catch (err) {
      const type = (err as { type?: string }).type;
      if (type === ErrorType.StreamNotFound || type === ErrorType.AwsBadRequest) {
        return { ok: false, reason: `records no longer readable from ${where}: ${(err as Error).message}` };
      }
      throw err;
    }
    const found: KinesisRecord[] = [];
    for (let reads = 0; iterator && reads < MAX_READS; reads++) {
      const it: string = iterator;
      const out = await this.call('GetRecords', envelope, (o) =>
        this.kinesis.send(
          new GetRecordsCommand({ ShardIterator: it, Limit: Math.min(10_000, info.batchSize + 10) }),
          o,
        ),
      );
      const raw: _Record[] = out.Records ?? [];
      const users = toUserRecords(raw, source, null);
      if (reads === 0 && users[0] && compareSequence(users[0].sequenceNumber, info.startSequenceNumber) > 0) {
        return {
          ok: false,
          reason: `records at ${where} are past the stream's retention (the shard now starts later)`,
        };
      }
      for (const r of users) {
        if (compareTo(r, info.endSequenceNumber, info.endSubSequenceNumber) > 0)
          return this.done(found, envelope, where);
        if (compareTo(r, info.startSequenceNumber, info.startSubSequenceNumber) >= 0) found.push(r);
      }
      if (found.length >= info.batchSize) break;
      iterator = out.NextShardIterator ?? undefined;
      if (raw.length === 0 && (out.MillisBehindLatest ?? 0) === 0) break;
    }
    return this.done(found, envelope, where);
  }

  private done(found: KinesisRecord[], envelope: DlqEnvelope, where: string): RereadResult {
    const expected = envelope.KinesisBatchInfo.batchSize;
    if (found.length !== expected) {
      return {
        ok: false,
        reason: `found ${found.length} of ${expected} records at ${where}: past the stream's retention, or the shard was deleted`,
      };
    }
    return { ok: true, records: found };
  }
}
