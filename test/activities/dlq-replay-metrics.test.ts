/**
 * The DLQ replay records `ksp_dlq_replay_messages_total{queue,result}` through the activities'
 * `metrics` dependency (src/activities/index.ts), against kinesalite and fauxqs, read back from the
 * CloudWatch EMF meter: one message of each result in one call.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { queueName } from '../../src/activities/dlq/replay-metrics';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import type { ReplayDlqBatchResult } from '../../src/dlq/replay-contract';
import type { KinesisEmulator } from '../../src/local/kinesis-emulator';
import { getFreePort } from '../../src/local/ports';
import { type SqsEmulator, startFauxqs } from '../../src/local/sqs-emulator';
import { KspMetrics } from '../../src/metrics/recorder';
import { dlqRecords, sendEnvelopes, sendRaw } from '../helpers/dlq';
import { emfLines } from '../helpers/emf';
import { createQueue, kinesisClientFor, sqsClientFor, startKinesis, uniqueName } from '../helpers/kinesis';

describe('DLQ replay metrics (kinesalite, fauxqs)', () => {
  let kinesisEmulator: KinesisEmulator | undefined;
  let sqsEmulator: SqsEmulator | undefined;
  let kinesis: KinesisClient;
  let sqs: SQSClient;

  beforeAll(async () => {
    [kinesisEmulator, sqsEmulator] = await Promise.all([
      startKinesis('kinesalite'),
      getFreePort().then((port) => startFauxqs({ port })),
    ]);
    kinesis = kinesisClientFor(kinesisEmulator.endpoint);
    sqs = sqsClientFor(sqsEmulator.endpoint);
  });
  afterAll(async () => {
    kinesis?.destroy();
    sqs?.destroy();
    await Promise.all([kinesisEmulator?.stop(), sqsEmulator?.stop()]);
  });

  it('counts each message by queue and result: replayed, failed, skipped, parked', async () => {
    // Prepare: a good message, one whose record the handler fails, one the filter leaves, garbage.
    const dlq = await createQueue(sqs, uniqueName('metrics-dlq'));
    const parking = await createQueue(sqs, uniqueName('metrics-parking'));
    await sendEnvelopes(sqs, dlq, dlqRecords('good', 2, { key: () => 'k' }));
    await sendEnvelopes(sqs, dlq, dlqRecords('boom', 1, { key: () => 'k', firstSeq: 10 }));
    await sendEnvelopes(sqs, dlq, dlqRecords('other', 1, { key: () => 'other', firstSeq: 20 }));
    await sendRaw(sqs, dlq, 'not an envelope');
    const { sink, lines } = emfLines();
    const activities = createActivities({
      kinesis,
      sqs,
      handler: async (records) => ({
        batchItemFailures: records
          .filter((r) => new TextDecoder().decode(r.data) === 'boom-0')
          .map((r) => ({ itemIdentifier: r.sequenceNumber })),
      }),
      handlerName: 'metrics-test',
      metrics: new KspMetrics(sink.meter()),
    });
    // Act
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const result: ReplayDlqBatchResult = await env.run(activities.replayDlqBatch, {
      options: compileDlqReplayOptions({
        queueUrl: dlq,
        receiveWait: 0,
        retryDelay: '15m',
        parkingQueueUrl: parking,
        parkUnreadable: true,
        filters: { partitionKeys: ['k'] },
      }),
      maxMessages: 4,
      idleWaitMs: 0,
    });
    sink.flush();
    // Assess
    expect(result.counts).toMatchObject({ seen: 4, replayed: 1, failed: 1, skipped: 1, parked: 1 });
    const queue = queueName(dlq);
    expect(queue).toMatch(/^metrics-dlq/);
    const counted = Object.fromEntries(
      lines.map((l) => {
        expect(l['queue']).toBe(queue);
        return [l['result'] as string, l['ksp_dlq_replay_messages']];
      }),
    );
    expect(counted).toEqual({ replayed: 1, failed: 1, skipped: 1, parked: 1 });
  });
});

describe('queueName', () => {
  it('is the last path segment of the queue URL', () => {
    expect(queueName('http://127.0.0.1:9324/000000000000/orders-dlq')).toBe('orders-dlq');
    expect(queueName('https://sqs.eu-west-1.amazonaws.com/123456789012/orders-dlq.fifo/')).toBe(
      'orders-dlq.fifo',
    );
  });
});
