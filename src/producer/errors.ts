/**
 * Errors `put` rejects with besides the classified AWS failures (`ApplicationFailure` from
 * src/aws/classify.ts, whose `type` says throttled, bad request, not found…). Each has a `type`
 * string, matched the same way.
 */

/** `put` was given a record Kinesis would refuse; thrown before anything is buffered. */
export class InvalidRecordError extends Error {
  override readonly name = 'InvalidRecordError';
  readonly type = 'KspInvalidRecord';
  constructor(
    /** The offending field of the record. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** `put` after `close()`. */
export class ProducerClosedError extends Error {
  override readonly name = 'ProducerClosedError';
  readonly type = 'KspProducerClosed';
  constructor() {
    super('the producer is closed: create a new one to write more records');
  }
}

/**
 * An earlier record of the same partition key failed for good, so this one was not sent: sending
 * it would let a retry of the failed record land after it, out of order.
 */
export class EarlierRecordFailedError extends Error {
  override readonly name = 'EarlierRecordFailedError';
  readonly type = 'KspEarlierRecordFailed';
  constructor(
    readonly partitionKey: string,
    override readonly cause: unknown,
  ) {
    super(
      `not sent: an earlier record of partition key ${JSON.stringify(partitionKey)} failed (${cause instanceof Error ? cause.message : String(cause)}); put both again, in order`,
    );
  }
}
