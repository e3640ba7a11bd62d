/**
 * Timeouts that cancel (issue 15, finding 4): an AWS call to an endpoint that accepts and never
 * answers fails at its deadline; an attempt that lost its activity aborts its call and writes
 * nothing afterwards, so its retry's DLQ message is the only one; and an unreachable Kinesis is
 * said, with since when, in the heartbeat and the attempt's failure (finding 5).
 */
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { DefaultLogger } from '@temporalio/worker';
import type { ProcessBatchInput } from '../../src/activities/shard/process-batch';
import type { UnreachableHeartbeat } from '../../src/activities/shard/reader';
import { ErrorType } from '../../src/errors';
import { payloads, sqsClientFor } from '../helpers/kinesis';
import { receiveAll } from '../helpers/pipeline';
import { StallProxy } from '../helpers/stall-proxy';
import { waitFor } from '../helpers/wait';
import { type ActivityHarness, batchInput, useEmulators } from './harness';

const isSendMessage = (chunk: Buffer): boolean => chunk.toString('latin1').includes('AmazonSQS.SendMessage');
const isGetRecords = (chunk: Buffer): boolean =>
  chunk.toString('latin1').includes('Kinesis_20131202.GetRecords');

/** One attempt of processBatch, as a worker runs it: its own environment, attempt number and heartbeat timeout. */
function attempt(
  harness: ActivityHarness,
  input: ProcessBatchInput,
  info: { attempt: number; heartbeatTimeoutMs: number; heartbeatDetails?: unknown },
) {
  const env = new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const result = env.run(harness.activities.processBatch, input);
  return { env, heartbeats, result };
}

const timedOut = new ActivityCancellationDetails({ timedOut: true });

describe('AWS calls that get no answer (kinesalite, fauxqs)', () => {
  const suite = useEmulators('kinesalite', { sqs: true });
  const proxies: StallProxy[] = [];
  const proxyTo = async (endpoint: string): Promise<StallProxy> => {
    const proxy = await StallProxy.start(endpoint);
    proxies.push(proxy);
    return proxy;
  };
  afterEach(async () => {
    await Promise.all(proxies.splice(0).map((p) => p.close()));
  });

  it('a request to a stalled endpoint fails at its request timeout instead of hanging', async () => {
    // Prepare
    const proxy = await proxyTo(suite.sqs.endpoint);
    proxy.stall();
    const sqs = sqsClientFor(proxy.endpoint);
    try {
      // Act
      const call = sqs.send(new GetQueueUrlCommand({ QueueName: 'nobody-answers' }), { requestTimeout: 300 });
      // Assess: the SDK retries a timeout (3 attempts), each one cut at 300 ms.
      await expect(call).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      sqs.destroy();
    }
  });

  it('an attempt that times out during its DLQ send aborts it: the retry’s message is the only one', async () => {
    // Prepare: the batch fails on its last attempt, so it goes to the DLQ; SendMessage stalls.
    const { streamName, shardId } = await suite.stream('late-dlq', payloads(0, 2));
    const queueUrl = await suite.queue('late-dlq');
    const proxy = await proxyTo(suite.sqs.endpoint);
    proxy.stallWhen = isSendMessage;
    const worker = suite.newHarness({ sqsEndpoint: proxy.endpoint });
    worker.behaviour = async () => {
      throw new Error('handler fails');
    };
    const input = batchInput({ streamName, shardId, deadLetterOnFailure: true, dlqQueueUrl: queueUrl });
    const first = attempt(worker, input, { attempt: 1, heartbeatTimeoutMs: 60_000 });
    await waitFor(() => proxy.holding === 1, { what: 'the DLQ send to stall', intervalMs: 10 });

    // Act: Temporal times the attempt out and retries it; then the endpoint comes back.
    first.env.cancel('TIMED_OUT', timedOut);
    await expect(first.result).rejects.toBeInstanceOf(CancelledFailure);
    // The aborted request's connection closes (a request left running would keep it open).
    await waitFor(() => proxy.abandonedWhileHeld === 1, { what: 'the stalled send to be abandoned' });
    proxy.stallWhen = null;
    const retry = attempt(worker, input, { attempt: 2, heartbeatTimeoutMs: 60_000 });
    const result = await retry.result;
    await proxy.release(); // whatever the stalled connection still held reaches fauxqs now

    // Assess
    expect(result).toMatchObject({ outcome: 'dead-lettered', deadLettered: 2 });
    expect(proxy.forwardedOnRelease).toBe(0);
    expect(await receiveAll(suite.harness.sqs, queueUrl)).toHaveLength(1);
  });

  it('an attempt that timed out while its handler ran neither dead-letters nor calls the handler again', async () => {
    // Prepare
    const { streamName, shardId } = await suite.stream('late-handler', payloads(0, 2));
    const queueUrl = await suite.queue('late-handler');
    const worker = suite.harness;
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    // A handler that ignores its abort signal, then fails: on the last attempt, a DLQ case.
    worker.behaviour = async () => {
      await released;
      throw new Error('handler fails late');
    };
    const input = batchInput({ streamName, shardId, deadLetterOnFailure: true, dlqQueueUrl: queueUrl });
    const first = attempt(worker, input, { attempt: 1, heartbeatTimeoutMs: 60_000 });
    await waitFor(() => worker.contexts.length === 1, { what: 'the handler to start', intervalMs: 10 });

    // Act
    first.env.cancel('TIMED_OUT', timedOut);
    release();
    await expect(first.result).rejects.toBeInstanceOf(CancelledFailure);

    // Assess: nothing written by the lost attempt; its handler ran once.
    expect(await receiveAll(suite.harness.sqs, queueUrl)).toHaveLength(0);
    expect(worker.batches).toHaveLength(1);
  });

  it('Kinesis unreachable: the attempt fails within its heartbeat timeout, saying since when, and the retry keeps the time', async () => {
    // Prepare
    const { streamName, shardId } = await suite.stream('outage', payloads(0, 3));
    const proxy = await proxyTo(suite.kinesis.endpoint);
    proxy.stallWhen = isGetRecords;
    const worker = suite.newHarness({ kinesisEndpoint: proxy.endpoint });
    const input = batchInput({ streamName, shardId });
    const heartbeatTimeoutMs = 2_000;

    // Act
    const t0 = Date.now();
    const first = attempt(worker, input, { attempt: 1, heartbeatTimeoutMs });
    const failure = (await first.result.catch((err: unknown) => err)) as ApplicationFailure;
    const failedAfter = Date.now() - t0;
    const note = first.heartbeats.at(-1) as UnreachableHeartbeat;
    // The retry runs on another worker: only the heartbeat details carry the time over.
    const other = suite.newHarness({ kinesisEndpoint: proxy.endpoint });
    const second = attempt(other, input, { attempt: 2, heartbeatTimeoutMs, heartbeatDetails: note });
    const again = (await second.result.catch((err: unknown) => err)) as ApplicationFailure;
    await proxy.release();
    const third = attempt(worker, input, {
      attempt: 3,
      heartbeatTimeoutMs,
      heartbeatDetails: second.heartbeats.at(-1),
    });
    const recovered = await third.result;

    // Assess
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(ErrorType.AwsUnavailable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/^Kinesis unreachable since \d{4}-\d\d-\d\dT.*GetRecords/);
    expect(failedAfter).toBeLessThan(heartbeatTimeoutMs);
    expect(note).toMatchObject({ phase: 'unreachable', note: failure.message.split(';')[0] });
    expect(again.type).toBe(ErrorType.AwsUnavailable);
    expect((second.heartbeats.at(-1) as UnreachableHeartbeat).unreachableSince).toBe(note.unreachableSince);
    expect(recovered).toMatchObject({ outcome: 'handled', handled: 3 });
    expect(worker.receivedData()).toEqual(payloads(0, 3));
  });
});
