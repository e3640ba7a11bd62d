/**
 * DLQ replay in `reput` mode goes through the project's producer (issue 8, item 5): records of one
 * partition key keep their order even when PutRecords fails one of them, and a replay attempt that
 * lost its activity while a put was stalled puts nothing afterwards.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityCancellationDetails, CancelledFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import type { ReplayDlqBatchInput, ReplayDlqBatchResult } from '../../src/dlq/replay-contract';
import { dlqRecords, receiveEverything, sendEnvelopes } from '../helpers/dlq';
import { PutRecordsFaults, readStream } from '../helpers/put-faults';
import { StallProxy } from '../helpers/stall-proxy';
import { waitFor } from '../helpers/wait';
import { type ActivityHarness, useEmulators } from './harness';

const isPutRecords = (chunk: Buffer): boolean =>
  chunk.toString('latin1').includes('Kinesis_20131202.PutRecords');

describe('replayDlqBatch reput through the producer (kinesalite, fauxqs)', () => {
  const suite = useEmulators('kinesalite', { sqs: true });

  function replay(harness: ActivityHarness, queueUrl: string, targetStream: string) {
    const env = new MockActivityEnvironment(
      { heartbeatTimeoutMs: 60_000 },
      { logger: new DefaultLogger('ERROR') },
    );
    const input: ReplayDlqBatchInput = {
      options: compileDlqReplayOptions({
        queueUrl,
        mode: 'reput',
        targetStream,
        receiveWait: 0,
        retryDelay: 0,
      }),
      maxMessages: 1_000,
      idleWaitMs: 0,
    };
    const result: Promise<ReplayDlqBatchResult> = env.run(harness.activities.replayDlqBatch, input);
    return { env, result };
  }

  it('keeps the order of one key’s records when PutRecords fails the first of them once', async () => {
    // Prepare: five records of one key; the first put of the first record fails.
    const dlq = await suite.queue('reput-order-dlq');
    const target = await suite.stream('reput-order-target');
    await sendEnvelopes(suite.harness.sqs, dlq, dlqRecords('again', 5, { key: () => 'customer-7' }));
    let failedOnce = false;
    const faults = new PutRecordsFaults(suite.harness.kinesis, {
      entryErrorCode: 'InternalFailure',
      failEntry: (entry) => {
        const first = !failedOnce && Buffer.from(entry.Data ?? new Uint8Array()).toString() === 'again-0';
        if (first) failedOnce = true;
        return first;
      },
    });
    // Act
    const result = await replay(suite.harness, dlq, target.streamName).result;
    // Assess
    expect(faults.failedEntries).toBe(1);
    expect(result.counts).toMatchObject({ seen: 1, replayed: 1, records: { replayed: 5 } });
    const back = await readStream(suite.harness.kinesis, target.streamName);
    expect(back.map((r) => r.data)).toEqual(['again-0', 'again-1', 'again-2', 'again-3', 'again-4']);
    expect(new Set(back.map((r) => r.partitionKey))).toEqual(new Set(['customer-7']));
    expect(await receiveEverything(suite.harness.sqs, dlq)).toEqual([]);
  });

  it('an attempt lost while its put is stalled puts nothing afterwards', async () => {
    // Prepare: PutRecords reaches a stalled Kinesis.
    const dlq = await suite.queue('reput-lost-dlq');
    const target = await suite.stream('reput-lost-target');
    await sendEnvelopes(suite.harness.sqs, dlq, dlqRecords('late', 3));
    const proxy = await StallProxy.start(suite.kinesis.endpoint);
    try {
      proxy.stallWhen = isPutRecords;
      const worker = suite.newHarness({ kinesisEndpoint: proxy.endpoint });
      const attempt = replay(worker, dlq, target.streamName);
      await waitFor(() => proxy.holding === 1, { what: 'the put to stall', intervalMs: 10 });
      // Act: Temporal times the attempt out; then Kinesis reads what is still on open connections.
      attempt.env.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));
      await expect(attempt.result).rejects.toBeInstanceOf(CancelledFailure);
      // The aborted request's connection closes (a request left running would keep it open).
      await waitFor(() => proxy.abandonedWhileHeld === 1, { what: 'the stalled put to be abandoned' });
      await proxy.release();
      // Assess
      expect(proxy.forwardedOnRelease).toBe(0);
      expect(await readStream(suite.harness.kinesis, target.streamName)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
