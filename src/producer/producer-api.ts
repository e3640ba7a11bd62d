/** What the producer gives: the `Producer` handle, a put's result and the counters of `stats()`. */
import type { LatencySummary } from './latency';
import type { ProducerRecord } from './limits';

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
  /** Position inside the KPL aggregate that carried the record; absent for a plain record. */
  subSequenceNumber?: number;
}

export interface ProducerStats {
  /** User records in the stream. */
  userRecordsPut: number;
  /** Kinesis records in the stream (aggregates count once). */
  kinesisRecordsPut: number;
  /** Bytes of those Kinesis records, partition keys included. */
  bytesPut: number;
  putRecordsCalls: number;
  /** User-record attempts that failed and were retried. */
  retries: number;
  /** Throttled answers: whole calls and entries. */
  throttles: number;
  /** User records rejected. */
  failed: number;
  /** Kinesis records that landed on another shard than the map predicted (a reshard). */
  wrongShard: number;
  shardMapLoads: number;
  buffered: { records: number; bytes: number };
  maxBuffered: { records: number; bytes: number };
  /** Puts waiting for room in the buffer. */
  waitingPuts: number;
  inFlightRequests: number;
  /** From `put` to the record being in the stream. */
  latencyMs: LatencySummary;
}

export interface Producer {
  put(record: ProducerRecord): Promise<PutResult>;
  /** Resolves when the buffer has room, so that a loop can pace its puts. */
  ready(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Stops now: aborts requests in flight, rejects every unsettled record with `reason`, sends nothing more. */
  abort(reason: Error): void;
  stats(): ProducerStats;
}
