/**
 * The handler contract: what user code receives and may return. See README "Writing a handler".
 */
import type { KinesisRecord } from '../records';

/** Minimal structured logger handed to handlers (Temporal's activity logger satisfies it). */
export interface HandlerLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface HandlerContext {
  readonly streamName: string;
  readonly shardId: string;
  /** 1 on the first delivery of this batch, then 2, 3… on each retry. */
  readonly attempt: number;
  readonly log: HandlerLogger;
  /** Tells Temporal the batch is still being worked on; call it during long work. */
  heartbeat(): void;
  /** Aborted when the worker shuts down or the activity is cancelled or times out. */
  readonly signal: AbortSignal;
}

/** One failed record, identified by its sequence number (Lambda's `itemIdentifier`) or its idempotency key. */
export interface BatchItemFailure {
  itemIdentifier: string;
}

/**
 * A handler may return partial failures with Lambda's semantics: the checkpoint moves to just
 * before the lowest failed record, and everything from there is retried.
 */
export interface BatchResult {
  batchItemFailures?: BatchItemFailure[] | null;
}

export type BatchHandler = (
  records: readonly KinesisRecord[],
  context: HandlerContext,
) => Promise<BatchResult | void | undefined | null>;
