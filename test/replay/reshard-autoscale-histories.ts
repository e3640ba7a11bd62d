/**
 * Recorders of the reshard and autoscale workflow histories replayed by replay.test.ts. Kinesis
 * is a small in-memory model of a stream's open shards; the stream workflow is the real one
 * (it receives the reshard's ledger signal), its shard workflows are not needed.
 * Recorded by `KSP_RECORD_HISTORIES=reshard,autoscale npx jest test/replay`.
 */
import { shardStartActivities } from '../../src/activities/stream/shard-starter';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { compileAutoscaleOptions } from '../../src/config/autoscale-options';
import { streamWorkflowId } from '../../src/constants';
import type { AutoscaleWorkflowInput } from '../../src/workflows/autoscale-messages';
import type { LoadSample } from '../../src/workflows/autoscale-load';
import type { ReshardWorkflowInput } from '../../src/workflows/reshard-messages';
import { autoscaleStatusQuery, stopAutoscaleSignal } from '../../src/workflows/autoscale-messages';
import { reshardProgressQuery } from '../../src/workflows/reshard-messages';
import type { StreamWorkflowInput } from '../../src/workflows/stream';
import { workflowBundlePath } from '../helpers/bundle';
import { testOptions } from '../helpers/fake-batches';
import { StreamModel } from '../helpers/stream-model';
import { skipTime } from '../helpers/time';

/** Control-plane activities over the model; `updateShardCount` only where the backend has it. */
function reshardActivities(env: TestWorkflowEnvironment, model: StreamModel, hasUpdateShardCount: boolean) {
  return {
    inspectStreamForReshard: async (i: { streamName: string }) => model.shape(i.streamName),
    updateShardCount: async (i: { targetShardCount: number }) => {
      if (hasUpdateShardCount)
        model.open = model.uniform(
          i.targetShardCount,
          model.open.map((s) => s.shardId),
        );
      return { supported: hasUpdateShardCount, alreadyDone: false };
    },
    splitShard: async (i: { shardId: string; newStartingHashKey: string }) => {
      model.split(i.shardId, i.newStartingHashKey);
    },
    mergeShards: async (i: { shardId: string; adjacentShardId: string }) => {
      model.merge(i.shardId, i.adjacentShardId);
    },
    waitForStreamActive: async () => ({
      activeAt: new Date(await env.currentTimeMs()).toISOString(),
      waitedMs: 0,
      openShards: model.open,
    }),
  };
}

/**
 * A reshard on a backend without UpdateShardCount, in two steps (2 → 4 → 5): the fallback to
 * planned splits, waiting for ACTIVE after each, and the ledger signal to the stream workflow.
 */
export async function recordReshardHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-reshard';
  const streamName = 'orders';
  const model = new StreamModel(2);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      ...reshardActivities(env, model, false),
      readReshardLedger: async () => ({ entries: [], streamWorkflowFound: true }),
      describeStream: async () => ({ streamName, streamArn: 'arn', status: 'ACTIVE', shards: [] }),
      ...shardStartActivities(async () => ({ state: 'running', status: null })),
    },
  });
  return worker.runUntil(async () => {
    const stream = await env.client.workflow.start('streamWorkflow', {
      taskQueue,
      workflowId: streamWorkflowId(streamName),
      args: [
        { options: testOptions({ streamName }), rediscoverIntervalMs: 24 * 3_600_000 } as StreamWorkflowInput,
      ],
    });
    const input: ReshardWorkflowInput = {
      streamName,
      request: { kind: 'count', targetShardCount: 5, allowMultipleSteps: true },
      requestedBy: 'recording',
    };
    const handle = await env.client.workflow.start('reshardWorkflow', {
      taskQueue,
      workflowId: 'record-reshard',
      args: [input],
    });
    await handle.result();
    await handle.query(reshardProgressQuery);
    await stream.terminate('recording over');
    return encodeHistory(await handle.fetchHistory());
  });
}

/**
 * An autoscaler through its branches: a failed measurement (hold), warming up, sustained high
 * load, a scale-up run as a child reshard, holds folded together, a status query, and stop.
 */
export async function recordAutoscaleHistory(env: TestWorkflowEnvironment): Promise<Uint8Array> {
  const taskQueue = 'record-autoscale';
  const streamName = 'orders';
  const model = new StreamModel(2);
  const counters = { records: 0, lastAt: await env.currentTimeMs(), samples: 0 };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      ...reshardActivities(env, model, true),
      readReshardLedger: async () => ({ entries: [], streamWorkflowFound: false }),
      sampleStreamLoad: async (): Promise<LoadSample> => {
        if (counters.samples++ === 0) {
          throw ApplicationFailure.nonRetryable('no shard workflow reported yet', 'KspNoLoadMeasurement');
        }
        const now = await env.currentTimeMs();
        counters.records += (1_800 * (now - counters.lastAt)) / 1000; // 90% of 2 shards
        counters.lastAt = now;
        const records = Math.round(counters.records);
        return {
          at: now,
          streamStatus: 'ACTIVE',
          openShardCount: model.open.length,
          account: null,
          records,
          bytes: records * 200,
          maxLagMs: 0,
          shards: model.open.map((s) => [s.shardId, 0, 0]),
        };
      },
    },
  });
  return worker.runUntil(async () => {
    const input: AutoscaleWorkflowInput = {
      options: compileAutoscaleOptions({ streamName, minShards: 1, maxShards: 8 }),
    };
    const handle = await env.client.workflow.start('autoscaleWorkflow', {
      taskQueue,
      workflowId: 'record-autoscale',
      args: [input],
    });
    await skipTime(env, 20 * 60_000, 60_000);
    await handle.query(autoscaleStatusQuery);
    await handle.signal(stopAutoscaleSignal);
    await handle.result();
    return encodeHistory(await handle.fetchHistory());
  });
}

function encodeHistory(history: temporal.api.history.v1.IHistory): Uint8Array {
  return temporal.api.history.v1.History.encode(history).finish();
}
