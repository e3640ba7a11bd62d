/**
 * Where a handler's error goes from the batch activity (createProcessBatch over the in-memory shard
 * and DLQ of test/helpers/memory-shard.ts): whole to the DLQ and the worker log, bounded or
 * withheld in the result. The emulator-backed cases are in test/activities/handler-errors.test.ts.
 */
import { createProcessBatch } from '../../src/activities/shard/process-batch';
import type { ProcessBatchInput } from '../../src/activities/shard/process-batch';
import type { ErrorDetail } from '../../src/config/stream-options';
import type { HandlerLogger } from '../../src/handler/contract';
import { ERROR_SUMMARY_MAX_BYTES, MESSAGE_WITHHELD } from '../../src/handler/error-text';
import { MemoryDlq, MemoryShard, SHARD } from '../helpers/memory-shard';

interface Logged {
  level: string;
  message: string;
  meta: Record<string, unknown> | undefined;
}

function setup(message: string) {
  const logged: Logged[] = [];
  const entry =
    (level: string) =>
    (m: string, meta?: Record<string, unknown>): void => {
      logged.push({ level, message: m, meta });
    };
  const log: HandlerLogger = {
    debug: entry('debug'),
    info: entry('info'),
    warn: entry('warn'),
    error: entry('error'),
  };
  const dlq = new MemoryDlq();
  const processBatch = createProcessBatch({
    reader: new MemoryShard(2, () => new Date(0)),
    dlq,
    handler: async () => {
      throw new SyntaxError(message);
    },
    handlerName: 'unit handler',
    streamArn: async (name) => `arn:aws:kinesis:us-east-1:000000000000:stream/${name}`,
    log,
    heartbeat: () => undefined,
    signal: () => new AbortController().signal,
    now: () => 0,
  });
  return { processBatch, dlq, logged };
}

const input = (errorDetail: ErrorDetail | undefined, last: boolean): ProcessBatchInput => ({
  streamName: 'orders',
  shardId: SHARD,
  checkpoint: null,
  startPosition: { type: 'TRIM_HORIZON' },
  batchSize: 10,
  maxPollWaitMs: 0,
  idlePollIntervalMs: 200,
  attempt: last ? 3 : 1,
  deadLetterOnFailure: last,
  dlqQueueUrl: 'http://127.0.0.1:1/dlq',
  ...(errorDetail ? { errorDetail } : {}),
});

describe.each<ErrorDetail | undefined>([undefined, 'message', 'type'])('errorDetail %s', (errorDetail) => {
  const message = `cannot parse {"card":"4111"} ${'.'.repeat(100_000)}`;

  it('logs the whole error once per failed call, whatever history may see', async () => {
    // Prepare
    const { processBatch, logged } = setup(message);
    // Act
    await processBatch(input(errorDetail, false));
    // Assess
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      level: 'warn',
      message: 'handler failed',
      meta: { shardId: SHARD, attempt: 1, records: 2, errorType: 'SyntaxError', errorMessage: message },
    });
    expect(String(logged[0]?.meta?.errorStack)).toContain('SyntaxError: cannot parse');
  });

  it('sends the whole error to the DLQ and a bounded or withheld one to the result', async () => {
    // Prepare
    const { processBatch, dlq } = setup(message);
    // Act
    const result = await processBatch(input(errorDetail, true));
    // Assess
    expect(result.outcome).toBe('dead-lettered');
    expect(dlq.batches[0]?.error.message).toBe(message);
    expect(result.error?.type).toBe('SyntaxError');
    if (errorDetail === 'type') {
      expect(result.error?.message).toBe(MESSAGE_WITHHELD);
      expect(JSON.stringify(result)).not.toContain('4111');
    } else {
      expect(result.error?.message.startsWith('cannot parse {"card":"4111"}')).toBe(true);
      expect(Buffer.byteLength(result.error?.message ?? '')).toBeLessThanOrEqual(ERROR_SUMMARY_MAX_BYTES);
    }
  });
});
