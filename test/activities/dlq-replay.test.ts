/**
 * The DLQ replay activity against kinesalite and fauxqs, in a MockActivityEnvironment: re-put into
 * a stream, metadata-only messages read back from the stream, the partition-key filter, partial
 * failures, the rate limit, and an attempt resumed from its heartbeat.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { type DlqEnvelope, decodeDlqRecords, parseDlqMessage } from '../../src/dlq/envelope';
import {
  type ReplayDlqBatchInput,
  type ReplayDlqBatchResult,
  emptyCounts,
} from '../../src/dlq/replay-contract';
import { type DlqReplayOptions, compileDlqReplayOptions } from '../../src/config/replay-options';
import { priorTries } from '../../src/dlq/requeue';
import { type KinesisRecord, idempotencyKey } from '../../src/records';
import { dlqRecords, receiveEverything, sendEnvelopes } from '../helpers/dlq';
import { batchInput, decode, useEmulators } from './harness';

describe('replayDlqBatch (kinesalite, fauxqs)', () => {
  const suite = useEmulators('kinesalite', { sqs: true });

  function replay(
    options: Partial<DlqReplayOptions> & { queueUrl: string },
    info: ConstructorParameters<typeof MockActivityEnvironment>[0] = undefined,
  ): Promise<ReplayDlqBatchResult> {
    const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
    const input: ReplayDlqBatchInput = {
      options: compileDlqReplayOptions({ receiveWait: 0, retryDelay: 0, ...options }),
      maxMessages: 1_000,
      idleWaitMs: 0,
    };
    return env.run(suite.harness.activities.replayDlqBatch, input);
  }

  const envelopes = (bodies: string[]): DlqEnvelope[] =>
    bodies.map((b) => {
      const parsed = parseDlqMessage(b);
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.envelope;
    });

  it('reput: puts the records back into a stream with their partition keys, then deletes the message', async () => {
    // Prepare
    const dlq = await suite.queue('reput-dlq');
    const target = await suite.stream('reput-target');
    const records = dlqRecords('again', 3, { key: (i) => `customer-${i}` });
    await sendEnvelopes(suite.harness.sqs, dlq, records);
    // Act
    const result = await replay({ queueUrl: dlq, mode: 'reput', targetStream: target.streamName });
    // Assess
    expect(result.counts).toMatchObject({ seen: 1, replayed: 1, records: { replayed: 3 } });
    expect(await receiveEverything(suite.harness.sqs, dlq)).toEqual([]);
    await suite.harness.drain(batchInput({ streamName: target.streamName, shardId: target.shardId }));
    const back = suite.harness.batches.flat();
    expect(back.map((r) => decode(r.data))).toEqual(['again-0', 'again-1', 'again-2']);
    expect(back.map((r) => r.partitionKey)).toEqual(['customer-0', 'customer-1', 'customer-2']);
  });

  it('reads a metadata-only message’s record back from the stream; one whose records are gone is parked', async () => {
    // Prepare: a record too large for the queue's messages, dead-lettered as metadata only.
    const dlq = await suite.queue('reread-dlq');
    const parking = await suite.queue('reread-parking');
    const big = 'B'.repeat(3_000);
    const source = await suite.stream('reread-source', ['before', big, 'after']);
    const put = source.puts[1]!;
    const record: KinesisRecord = {
      data: new TextEncoder().encode(big),
      partitionKey: 'pk-1',
      sequenceNumber: put.sequenceNumber,
      approximateArrivalTimestamp: new Date(),
      shardId: put.shardId,
      streamName: source.streamName,
      idempotencyKey: idempotencyKey(put.shardId, put.sequenceNumber),
    };
    const [body] = await sendEnvelopes(suite.harness.sqs, dlq, [record], {}, 2_000);
    expect(envelopes([body ?? ''])[0]?.recordsIncluded).toBe(false);
    const gone = { ...record, streamName: 'no-such-stream' };
    const [goneBody] = await sendEnvelopes(suite.harness.sqs, dlq, [gone], {}, 2_000);
    // Act
    const result = await replay({ queueUrl: dlq, parkingQueueUrl: parking });
    // Assess
    expect(result.counts).toMatchObject({
      seen: 2,
      replayed: 1,
      parked: 1,
      skippedBy: { 'records-gone': 1 },
      records: { replayed: 1, reread: 1 },
    });
    expect(suite.harness.batches.map((b) => b.map((r) => [r.sequenceNumber, decode(r.data)]))).toEqual([
      [[put.sequenceNumber, big]],
    ]);
    const parked = await receiveEverything(suite.harness.sqs, parking);
    expect(parked.map((m) => m.body)).toEqual([goneBody]);
    expect(parked[0]?.attributes['ksp.parkedReason']?.StringValue).toContain('no-such-stream');
  });

  it('partition-key filter: replays the selected records; the others go back as a message of their own', async () => {
    // Prepare
    const dlq = await suite.queue('filter-dlq');
    const records = dlqRecords('r', 4, { key: (i) => (i % 2 === 0 ? 'even' : 'odd') });
    await sendEnvelopes(suite.harness.sqs, dlq, records);
    // Act
    const result = await replay({ queueUrl: dlq, filters: { partitionKeys: ['even'] } });
    // Assess
    expect(result.counts).toMatchObject({ seen: 2, replayed: 1, skipped: 1, skippedBy: { filtered: 1 } });
    expect(result.counts.records).toMatchObject({ replayed: 2, requeued: 2 });
    expect(suite.harness.receivedData()).toEqual(['r-0', 'r-2']);
    // The rest was received again in the same call, filtered out, and left hidden for the run.
    expect(result.held).toHaveLength(1);
    await suite.harness.activities.releaseDlqMessages({ queueUrl: dlq, messages: result.held });
    const left = envelopes((await receiveEverything(suite.harness.sqs, dlq)).map((m) => m.body));
    expect(left.flatMap(decodeDlqRecords).map((r) => decode(r.data))).toEqual(['r-1', 'r-3']);
  });

  it('a partition-key replay goes in stream order whatever the queue order; a failure holds the key’s later records back', async () => {
    // Prepare: five one-record messages of key k (stream positions 1…5) sent out of order, and
    // one of another key; the handler fails k's record at position 3.
    const dlq = await suite.queue('ordered-dlq');
    for (const at of [5, 3, 1, 4, 2])
      await sendEnvelopes(suite.harness.sqs, dlq, dlqRecords(`k${at}`, 1, { firstSeq: at, key: () => 'k' }));
    await sendEnvelopes(suite.harness.sqs, dlq, dlqRecords('other', 1, { firstSeq: 6, key: () => 'j' }));
    suite.harness.behaviour = async (batch) => {
      const bad = batch.filter((r) => decode(r.data) === 'k3-0');
      return { batchItemFailures: bad.map((r) => ({ itemIdentifier: r.sequenceNumber })) };
    };
    // Act
    const result = await replay({ queueUrl: dlq, filters: { partitionKeys: ['k'] }, retryDelay: '15m' });
    // Assess: 1 and 2 replayed in order, 3 failed (back in 15 min), 4 and 5 not handed over in this run
    expect(suite.harness.receivedData()).toEqual(['k1-0', 'k2-0', 'k3-0']);
    expect(result.counts).toMatchObject({ replayed: 2, failed: 1 });
    // k4, k5 and the other key's message: hidden for the run, made visible when it ends
    expect(result.held).toHaveLength(3);
  });

  it('partial failure: only the records the handler failed go back, with the try counted', async () => {
    // Prepare
    const dlq = await suite.queue('partial-dlq');
    const records = dlqRecords('p', 4);
    await sendEnvelopes(suite.harness.sqs, dlq, records);
    suite.harness.behaviour = async (batch) => {
      const bad = batch.filter((r) => decode(r.data) === 'p-2');
      return { batchItemFailures: bad.map((r) => ({ itemIdentifier: r.sequenceNumber })) };
    };
    // Act: a 15m retry delay keeps the requeued rest out of this call.
    const result = await replay({ queueUrl: dlq, retryDelay: '15m' });
    // Assess
    expect(result.counts).toMatchObject({
      seen: 1,
      failed: 1,
      records: { replayed: 3, failed: 1, requeued: 1 },
    });
    expect(suite.harness.receivedData()).toEqual(['p-0', 'p-1', 'p-2', 'p-3']);
    expect(Date.parse(result.retryAt ?? '')).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  it('a failed message comes back with its tries counted, and is parked, untouched, after the last', async () => {
    // Prepare
    const dlq = await suite.queue('tries-dlq');
    const parking = await suite.queue('tries-parking');
    const [body] = await sendEnvelopes(suite.harness.sqs, dlq, dlqRecords('t', 2));
    suite.harness.behaviour = async () => {
      throw new RangeError('still broken');
    };
    // Act
    const result = await replay({ queueUrl: dlq, parkingQueueUrl: parking, maxTries: 3 });
    // Assess
    expect(result.counts).toMatchObject({ seen: 3, failed: 2, parked: 1, records: { failed: 4, parked: 2 } });
    expect(suite.harness.contexts.map((c) => c.attempt)).toEqual([4, 5, 6]);
    const parked = await receiveEverything(suite.harness.sqs, parking);
    expect(parked.map((m) => m.body)).toEqual([body]);
    expect(priorTries(parked[0]?.attributes)).toBe(3);
  });

  it('a huge handler error enters the result cut to 2 KiB; the parked message keeps it whole', async () => {
    // Prepare
    const dlq = await suite.queue('huge-error-dlq');
    const parking = await suite.queue('huge-error-parking');
    await sendEnvelopes(suite.harness.sqs, dlq, dlqRecords('h', 1));
    const huge = `record h-0 is bad: ${'x'.repeat(3 * 1024 * 1024)}`;
    suite.harness.behaviour = async () => {
      throw new RangeError(huge);
    };
    // Act
    const result = await replay({ queueUrl: dlq, parkingQueueUrl: parking, maxTries: 1 });
    // Assess
    expect(result.counts).toMatchObject({ parked: 1 });
    expect(result.lastError?.type).toBe('RangeError');
    expect(Buffer.byteLength(result.lastError?.message ?? '')).toBeLessThanOrEqual(2_048);
    expect(JSON.stringify(result).length).toBeLessThan(64 * 1024);
  });

  it('holds the rate limit in records per second', async () => {
    // Prepare
    const dlq = await suite.queue('rate-dlq');
    for (let m = 0; m < 3; m++) await sendEnvelopes(suite.harness.sqs, dlq, dlqRecords(`m${m}`, 10));
    const started = Date.now();
    // Act: 30 records at 20/s: the first 20 at once (one second of burst), the last 10 half a second later.
    const result = await replay({ queueUrl: dlq, ratePerSecond: 20 });
    // Assess
    expect(result.counts.records.replayed).toBe(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('an attempt retried after its worker died goes on counting from the last heartbeat', async () => {
    // Prepare
    const dlq = await suite.queue('resume-dlq');
    await sendEnvelopes(suite.harness.sqs, dlq, dlqRecords('x', 1));
    const before = { ...emptyCounts(), seen: 7, replayed: 7 };
    // Act
    const result = await replay(
      { queueUrl: dlq },
      { heartbeatDetails: { counts: before, held: [{ messageId: 'm', receiptHandle: 'h' }], retryAt: null } },
    );
    // Assess
    expect(result.counts).toMatchObject({ seen: 8, replayed: 8 });
    expect(result.held).toEqual([{ messageId: 'm', receiptHandle: 'h' }]);
  });
});
