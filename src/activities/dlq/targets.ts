/**
 * Where a DLQ replay sends records: through the worker's handler again (the same verdict rules as
 * the batch activity), or back into a stream through the project's producer, keeping partition and
 * hash keys so each record lands where its key's records are, in order (the producer never lets a
 * retried record of a key land after a later one, and keeps to the PutRecords limits). Both report
 * exactly which records failed.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { type CallBounds, abortReason, throwIfAborted } from '../../aws/call';
import { ErrorType } from '../../errors';
import type { BatchHandler, HandlerContext } from '../../handler/contract';
import type { KinesisRecord } from '../../records';
import { runHandler } from '../../handler/run-handler';
import { type Producer, createProducer } from '../../producer';

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

/** Whole-stream refusals: the replay cannot go on, so the activity fails with them. */
const FATAL_TYPES: ReadonlySet<string> = new Set([ErrorType.StreamNotFound, ErrorType.AwsAccessDenied]);
/** How long a record may wait for the stream (throttled, retried) before it counts as failed. */
const RECORD_TTL = '10s';

function errorOf(reason: unknown): NonNullable<ReplayOutcome['error']> {
  const type = (reason as { type?: unknown } | null)?.type;
  const e = reason instanceof Error ? reason : new Error(String(reason));
  return { type: typeof type === 'string' && type !== '' ? type : e.name || 'Error', message: e.message };
}

/**
 * Puts records back into streams for a DLQ replay. `session()` is one replay call's: it keeps one
 * producer per target stream for every message of the call (one ListShards per stream and call,
 * where a producer per message read the shard list for each), and closes them when the call ends.
 */
export class RecordReputter {
  constructor(
    private readonly kinesis: KinesisClient,
    /** Bounds of the current attempt: once it is lost, nothing more is put. */
    private readonly bounds: () => CallBounds = () => ({}),
  ) {}

  /** The producers of one replay call (not shared between calls: a lost attempt aborts its own). */
  session(): ReputSession {
    return new ReputSession(this.kinesis, this.bounds);
  }
}

export class ReputSession {
  private readonly producers = new Map<string, Producer>();

  constructor(
    private readonly kinesis: KinesisClient,
    private readonly bounds: () => CallBounds,
  ) {}

  private producerFor(streamName: string): Producer {
    let producer = this.producers.get(streamName);
    if (!producer) {
      producer = createProducer({ kinesis: this.kinesis, streamName, recordTtl: RECORD_TTL });
      this.producers.set(streamName, producer);
    }
    return producer;
  }

  /**
   * Puts the records into `streamName`, in order per partition key; the producer retries what
   * Kinesis refuses. A refusal of the whole stream (missing, access denied) throws, classified.
   * Resolves once every record is in the stream or failed: the records are sent at once, not
   * after the producer's batching window.
   */
  async put(streamName: string, records: readonly KinesisRecord[]): Promise<ReplayOutcome> {
    const { signal } = this.bounds();
    throwIfAborted(signal);
    const producer = this.producerFor(streamName);
    const abort = (): void => producer.abort(abortReason(signal as AbortSignal));
    signal?.addEventListener('abort', abort, { once: true });
    let settled: Array<PromiseSettledResult<unknown>>;
    try {
      const puts = records.map((r) =>
        producer.put({
          partitionKey: r.partitionKey,
          data: r.data,
          ...(r.explicitHashKey === undefined ? {} : { explicitHashKey: r.explicitHashKey }),
        }),
      );
      // Send now rather than after the batching window: the replay waits for these records. Not
      // awaited: the puts' own outcomes say when they are done (a put an abort cancels in the
      // buffer gate settles no flush).
      void producer.flush();
      settled = await Promise.allSettled(puts);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
    const failed = records.filter((_, i) => settled[i]?.status === 'rejected');
    if (failed.length > 0 || signal?.aborted) {
      // The next message starts from a fresh producer (a fresh shard list), as each one used to.
      this.producers.delete(streamName);
      await producer.close();
    }
    throwIfAborted(signal); // lost meanwhile: the attempt ends cancelled, not with a result
    const first = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    const fatal = settled.find(
      (s): s is PromiseRejectedResult =>
        s.status === 'rejected' && FATAL_TYPES.has(String((s.reason as { type?: unknown } | null)?.type)),
    );
    if (fatal) throw fatal.reason;
    return { failed, error: first ? errorOf(first.reason) : null };
  }

  /** Closes every producer (nothing is buffered between messages: this only ends them). */
  async close(): Promise<void> {
    const producers = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(producers.map((p) => p.close()));
  }
}
