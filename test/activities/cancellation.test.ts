/**
 * Cancellation as the shard workflow uses it: pausing cancels an idle poll (nothing was read, so
 * the activity ends at once), but a batch already in the handler finishes and reports its
 * checkpoint, and the handler's abort signal stays quiet. A timeout, unlike a cancel request,
 * does abort the handler's signal.
 */
import { ActivityCancellationDetails, CancelledFailure } from '@temporalio/common';
import { payloads } from '../helpers/kinesis';
import { waitFor } from '../helpers/wait';
import { batchInput, sequenceAt, useEmulators } from './harness';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('processBatch cancellation (kinesis-local)', () => {
  const suite = useEmulators('kinesis-local');
  const streamWith = (n: number) => suite.stream('cancel', payloads(0, n));

  it('cancelling an idle poll rejects with a CancelledFailure at once', async () => {
    const { streamName, shardId } = await streamWith(0);
    const started = suite.harness.start(
      batchInput({ streamName, shardId, maxPollWaitMs: 30_000, idlePollIntervalMs: 500 }),
    );
    await waitFor(() => started.heartbeats.length >= 1, { what: 'an idle heartbeat', intervalMs: 10 });

    const cancelledAt = Date.now();
    started.env.cancel();

    await expect(started.result).rejects.toBeInstanceOf(CancelledFailure);
    // At once: not at the end of the 30 s poll window.
    expect(Date.now() - cancelledAt).toBeLessThan(2_000);
    expect(suite.harness.batches).toHaveLength(0);
  });

  it('cancelling while the handler runs lets the batch finish and returns its checkpoint', async () => {
    const { streamName, shardId, puts } = await streamWith(3);
    const release = deferred();
    suite.harness.behaviour = () => release.promise;
    const started = suite.harness.start(batchInput({ streamName, shardId }));
    await waitFor(() => suite.harness.contexts.length === 1, {
      what: 'the handler to start',
      intervalMs: 10,
    });

    started.env.cancel();
    const signal = suite.harness.contexts[0]?.signal;
    expect(signal?.aborted).toBe(false);
    release.resolve();

    const result = await started.result;
    expect(result).toMatchObject({
      outcome: 'handled',
      handled: 3,
      checkpoint: { sequenceNumber: sequenceAt(puts, 2) },
    });
    expect(signal?.aborted).toBe(false);
  });

  it('a timeout (not a cancel request) aborts the handler’s signal', async () => {
    const { streamName, shardId } = await streamWith(2);
    suite.harness.behaviour = (_records, context) =>
      new Promise((_resolve, reject) =>
        context.signal.addEventListener('abort', () => reject(new Error('aborted by the signal'))),
      );
    const started = suite.harness.start(batchInput({ streamName, shardId }));
    await waitFor(() => suite.harness.contexts.length === 1, {
      what: 'the handler to start',
      intervalMs: 10,
    });

    started.env.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));

    const result = await started.result;
    expect(suite.harness.contexts[0]?.signal.aborted).toBe(true);
    expect(result).toMatchObject({ outcome: 'retry', checkpoint: null, handled: 0 });
    expect(result.error?.message).toBe('aborted by the signal');
  });
});
