/**
 * What the batch activity takes and returns, and what it is built from. The workflow sees only
 * these types (DESIGN.md rule 1): counts, the new checkpoint, and a bounded summary of any error.
 */
import type { CompiledConsumer } from '../../config/consumer-option';
import type { ErrorDetail, ShardStartPosition } from '../../config/stream-options';
import type { CompiledFilterCriteria } from '../../filter/criteria';
import type { BatchHandler, HandlerLogger } from '../../handler/contract';
import type { ErrorSummary } from '../../handler/error-text';
import type { Checkpoint } from '../../records';
import type { StreamIdentity } from '../../workflows/stream-identity';
import type { DlqWriter } from './dlq-writer';
import type { ShardReader } from './reader';

export interface ProcessBatchInput {
  streamName: string;
  shardId: string;
  /** Last fully handled position; null before the first record of the shard. */
  checkpoint: Checkpoint | null;
  startPosition: ShardStartPosition;
  batchSize: number;
  maxPollWaitMs: number;
  idlePollIntervalMs: number;
  /** Keep polling this long after the first records to fill the batch; absent = 0. */
  maxBatchingWindowMs?: number;
  /** Delivery attempt of the record at the checkpoint (1 on first delivery). */
  attempt: number;
  /** Final attempt: records the handler fails go to the DLQ and the checkpoint moves past them. */
  deadLetterOnFailure: boolean;
  dlqQueueUrl: string | null;
  /** Hand the handler at most this many records (a batch being bisected); absent or null: batchSize. */
  maxRecords?: number | null;
  /** Records older than this go to the DLQ (RecordAgeExceeded) without reaching the handler. */
  maxRecordAgeMs?: number | null;
  /**
   * Bisecting: a batch of more than one record that the handler fails as a whole comes back as
   * `retry` (failure 'batch') for the workflow to split, even on the last attempt or for a
   * non-retryable error, so only the record that fails alone is ever dead-lettered.
   */
  bisectBatchOnError?: boolean;
  /** Handler error types whose records go to the DLQ at once (NonRetryableError), whatever the attempt. */
  nonRetryableErrorTypes?: string[];
  /**
   * What of a handler's error the result may carry into history: `message` (its type and a message
   * cut to 2 KiB) or `type` (its type only). The full error goes to the DLQ and the worker log.
   * @default 'message'
   */
  errorDetail?: ErrorDetail;
  /**
   * Lambda's FilterCriteria, compiled (src/filter/criteria.ts): records no filter matches are
   * checkpointed past without reaching the handler, each KPL sub-record on its own. Absent or null:
   * every record is handled.
   */
  filterCriteria?: CompiledFilterCriteria | null;
  /** The stream the checkpoint belongs to: a recreated stream is refused, never read (stream-identity.ts). */
  streamIdentity?: StreamIdentity;
  /** Role assumed for the Kinesis calls (the stream's `roleArn` option); absent: the worker's credentials. */
  roleArn?: string;
  /** Read by enhanced fan-out through this consumer (the stream's `consumer` option); absent: polling. */
  consumer?: CompiledConsumer;
  /** Lanes: records are split by partition key into this many concurrent handler calls. Absent: 1. */
  parallelization?: number;
  /** Records a previous attempt left owed (see OwedRecords); null or absent: none. */
  owed?: OwedRecords | null;
  /** Keep at most this many owed records; past it (or at 0) retry Lambda's way. Absent: 0. */
  maxOwedRecords?: number;
  /** Per-key quarantine; null or absent: off. */
  quarantine?: QuarantineInput | null;
}

/**
 * The records a failed attempt still owes the handler: those it failed, and the later records of
 * their keys held back with them. Every record after the checkpoint up to `through` that is not
 * listed was settled (confirmed, dead-lettered or filtered out) and is not handed over again.
 * Positions only (DESIGN.md rule 1): no record data, no partition key.
 */
export interface OwedRecords {
  through: Checkpoint;
  /** Records handed over before and failed (or held back with a failed one), in stream order. */
  records: Checkpoint[];
  /** Records never handed over that wait behind an owed record of their key, in stream order. */
  waiting?: Checkpoint[];
}

export interface QuarantineInput {
  /** Hashes of the quarantined partition keys (src/activities/shard/key-hash.ts), never the keys. */
  keys: string[];
  /** Quarantine at most this many keys; a failure that would need more returns `quarantineFull`. */
  max: number;
}

export type BatchOutcome =
  /** The shard stayed idle for the whole poll window. */
  | 'idle'
  /** Every record was handled. */
  | 'handled'
  /** The handler failed (all or part): retry from `checkpoint` after backoff. */
  | 'retry'
  /** Final attempt failed: the failed records are in the DLQ, the checkpoint is past them. */
  | 'dead-lettered';

export interface ProcessBatchResult {
  outcome: BatchOutcome;
  checkpoint: Checkpoint | null;
  /** Records this call took on (user records after de-aggregation, at most maxRecords). */
  fetched: number;
  /** Records handed to the handler: fetched minus those filtered out and those dead-lettered for their age. */
  handlerRecords: number;
  /** How the handler failed: 'batch' (threw, or answered unusably) or 'records' (batchItemFailures). */
  failure: 'batch' | 'records' | null;
  /** Of deadLettered: records older than maxRecordAgeMs, sent without reaching the handler. */
  expired: number;
  /** Records the handler confirmed. */
  handled: number;
  deadLettered: number;
  /**
   * Of fetched: records no filter of filterCriteria matched, checkpointed past without reaching the
   * handler (Lambda's FilteredOutEventCount). Present only when the input has filterCriteria.
   */
  filteredOut?: number;
  bytes: number;
  millisBehindLatest: number | null;
  /** The shard is closed and every record in it is handled or dead-lettered. */
  shardEnded: boolean;
  /** Children named by Kinesis at shard end; null when the backend did not send them (kinesalite). */
  childShardIds: string[] | null;
  /** Arrival time of the newest record fetched, ISO; null when none. */
  lastArrival: string | null;
  /**
   * Why the handler failed (outcome retry / dead-lettered): its type and a message bounded to
   * 2 KiB, or withheld under errorDetail `type` (src/handler/error-text.ts).
   */
  error: ErrorSummary | null;
  waitedMs: number;
  getRecordsCalls: number;
  /** What is still owed after this call (input's owed when the call did not change it); null: none. */
  owed?: OwedRecords | null;
  /** More records failed than maxOwedRecords: this retry redelivers everything after the lowest failed. */
  owedOverflow?: boolean;
  /** Hashes of the keys this call quarantined (their records are in the DLQ). */
  quarantined?: string[];
  /** A failure would quarantine more than the maximum: nothing was dead-lettered, pause the shard. */
  quarantineFull?: boolean;
  /** Of fetched: records sent to the DLQ as KeyQuarantined, unhandled. */
  quarantinedRecords?: number;
}

export interface ProcessBatchDeps {
  reader: Pick<ShardReader, 'fetch' | 'remember'>;
  dlq: Pick<DlqWriter, 'write'>;
  handler: BatchHandler;
  handlerName: string;
  streamArn(streamName: string): Promise<string>;
  log: HandlerLogger;
  heartbeat(details: unknown): void;
  signal(): AbortSignal;
  /** Clock for record ages. @default Date.now */
  now?: () => number;
  /** Told how long each handler call took (the handler duration metric). */
  onHandlerCall?(input: ProcessBatchInput, seconds: number): void;
}
