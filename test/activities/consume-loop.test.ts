/**
 * The consuming loop through the real activities (createActivities) on kinesalite: many batches
 * in one activity, its progress in every heartbeat (never records), a retried attempt resuming
 * from the last details, a cancel that finishes the batch in the handler, and the idle watch.
 */
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type { ConsumeInput, LoopRequest } from '../../src/activities/shard/consume-contract';
import { payloads } from '../helpers/kinesis';
import { waitFor } from '../helpers/wait';
import { batchInput, sequenceAt, useEmulators } from './harness';

const busy: LoopRequest = { mode: 'busy', lifetimeMs: 60_000, busyPollIntervalMs: 400, idleAfterMs: 1_500 };

function loopInput(streamName: string, shardId: string, over: Partial<ConsumeInput> = {}): ConsumeInput {
  return { ...batchInput({ streamName, shardId, batchSize: 100 }), loop: busy, ...over };
}

describe('the consuming loop (kinesalite)', () => {
  const suite = useEmulators('kinesalite');

  it('handles every record once, in order, in one activity; heartbeats carry progress, no records', async () => {
    const { streamName, shardId, puts } = await suite.stream('loop', payloads(0, 250));
    const started = suite.harness.start(loopInput(streamName, shardId));
    const result = await started.result;
    expect(suite.harness.receivedData()).toEqual(payloads(0, 250));
    expect(suite.harness.batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(result).toMatchObject({
      outcome: 'handled',
      handled: 250,
      fetched: 250,
      checkpoint: { sequenceNumber: sequenceAt(puts, 249) },
      loop: { mode: 'busy', reason: 'idle', batches: 3 },
    });
    const withProgress = started.heartbeats.filter((h) => typeof h === 'object' && h !== null && 'loop' in h);
    expect(withProgress.length).toBeGreaterThan(0);
    const text = JSON.stringify(started.heartbeats);
    expect(text).not.toContain(payloads(0, 1)[0]);
  });

  it('a retried attempt resumes after the checkpoint in its heartbeat details, counters carried on', async () => {
    const { streamName, shardId, puts } = await suite.stream('loop-resume', payloads(0, 30));
    const details = {
      phase: 'consuming',
      loop: {
        checkpoint: { sequenceNumber: sequenceAt(puts, 19) },
        startedAt: Date.now(),
        batches: 1,
        fetched: 20,
        handled: 20,
        deadLettered: 0,
        expired: 0,
        bytes: 100,
        filteredOut: 0,
        getRecordsCalls: 1,
        millisBehindLatest: 0,
        lastArrival: null,
      },
    };
    const env = new MockActivityEnvironment(
      { attempt: 2, heartbeatDetails: details },
      { logger: new DefaultLogger('ERROR') },
    );
    const result = await env.run(suite.harness.activities.processBatch, loopInput(streamName, shardId));
    expect(suite.harness.receivedData()).toEqual(payloads(20, 30));
    expect(result).toMatchObject({
      handled: 30,
      fetched: 30,
      checkpoint: { sequenceNumber: sequenceAt(puts, 29) },
      loop: { activityAttempt: 2, batches: 2 },
    });
  });

  it('a cancel while the handler runs finishes that batch and returns its checkpoint', async () => {
    const { streamName, shardId, puts } = await suite.stream('loop-cancel', payloads(0, 150));
    let release = (): void => undefined;
    const released = new Promise<void>((r) => (release = r));
    suite.harness.behaviour = async () => {
      if (suite.harness.batches.length === 2) await released;
    };
    const started = suite.harness.start(loopInput(streamName, shardId));
    await waitFor(() => suite.harness.batches.length === 2, { what: 'the second batch', intervalMs: 10 });
    started.env.cancel();
    release();
    const result = await started.result;
    expect(suite.harness.batches).toHaveLength(2);
    expect(result).toMatchObject({
      handled: 150,
      checkpoint: { sequenceNumber: sequenceAt(puts, 149) },
      loop: { reason: 'cancelled', batches: 2 },
    });
  });

  it('the idle watch hands nothing to the handler and returns once records arrive', async () => {
    const { streamName, shardId } = await suite.stream('loop-idle');
    const started = suite.harness.start(
      loopInput(streamName, shardId, {
        idlePollIntervalMs: 200,
        loop: { mode: 'idle', lifetimeMs: 30_000, busyPollIntervalMs: 400 },
      }),
    );
    await new Promise((r) => setTimeout(r, 600)); // a few empty polls
    await suite.harness.kinesis.send(
      new PutRecordCommand({
        StreamName: streamName,
        PartitionKey: 'k',
        Data: new TextEncoder().encode('late'),
      }),
    );
    const result = await started.result;
    expect(suite.harness.batches).toHaveLength(0);
    expect(started.heartbeats).toHaveLength(0);
    expect(result).toMatchObject({ handled: 0, checkpoint: null, loop: { mode: 'idle', reason: 'records' } });
    expect(result.getRecordsCalls).toBeGreaterThanOrEqual(2);
  });
});
