/**
 * Failures the batch activity cannot fix itself leave as classified ApplicationFailures
 * (STYLE.md habit 8) and return no result, so the workflow's checkpoint stays where it was.
 */
import type { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../src/errors';
import { getFreePort } from '../../src/local/ports';
import { payloads, uniqueName } from '../helpers/kinesis';
import { batchInput, useEmulators } from './harness';

/** The failure a rejected activity call carries (MockActivityEnvironment rejects with it as is). */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  // By name and type, not instanceof (STYLE.md habit 9).
  expect(outcome.error).toMatchObject({ name: 'ApplicationFailure' });
  return outcome.error as ApplicationFailure;
}

describe('processBatch bad input', () => {
  const suite = useEmulators('kinesis-local', { sqs: true });

  it('an unknown stream fails KspStreamNotFound, not retryable, before any handler call', async () => {
    const { harness } = suite;
    const streamName = uniqueName('no-such-stream');

    const failure = await failureOf(harness.run(batchInput({ streamName, shardId: 'shardId-000000000000' })));

    expect(failure.type).toBe(ErrorType.StreamNotFound);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain(streamName);
    expect(harness.batches).toHaveLength(0);
  });

  it('an unreachable endpoint fails KspAwsUnavailable, retryable, before any handler call', async () => {
    // A port nothing listens on: getFreePort released it.
    const closedPort = await getFreePort();
    const harness = suite.newHarness({ kinesisEndpoint: `http://127.0.0.1:${closedPort}`, maxAttempts: 1 });
    const t0 = Date.now();

    const failure = await failureOf(
      harness.run(batchInput({ streamName: uniqueName('unreachable'), shardId: 'shardId-000000000000' })),
    );

    expect(failure.type).toBe(ErrorType.AwsUnavailable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNREFUSED');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(harness.batches).toHaveLength(0);
  });

  it('a missing DLQ queue on the final attempt fails KspQueueNotFound and moves nothing', async () => {
    const { harness } = suite;
    const { streamName, shardId } = await suite.stream('missing-dlq', payloads(0, 3));
    harness.behaviour = async () => {
      throw new Error('always fails');
    };
    const input = batchInput({
      streamName,
      shardId,
      attempt: 3,
      deadLetterOnFailure: true,
      dlqQueueUrl: `${suite.sqs.endpoint}/000000000000/${uniqueName('no-such-queue')}`,
    });

    const failure = await failureOf(harness.run(input));

    expect(failure.type).toBe(ErrorType.QueueNotFound);
    expect(failure.nonRetryable).toBe(true);
    // The activity's retry (same checkpoint, same worker) is handed the same records again.
    harness.behaviour = async () => undefined;
    const retried = await harness.run({ ...input, attempt: 4 });
    expect(harness.receivedData()).toEqual([...payloads(0, 3), ...payloads(0, 3)]);
    expect(retried.outcome).toBe('handled');
  });
});
