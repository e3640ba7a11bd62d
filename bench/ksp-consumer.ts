/**
 * Drives ksp itself the way a user does: start the stream workflow (which starts one shard
 * workflow per shard), read the shards' checkpoints through their `status` query, and end the
 * workflows when a measurement is over.
 */
import type { Client } from '@temporalio/client';
import { startStream } from '../src/client/stream-control';
import { shardWorkflowId, streamWorkflowId } from '../src/constants';
import type { Duration } from '../src/config/duration';
import { compileStreamOptions } from '../src/config/stream-options';
import { compareSequence } from '../src/records';
import { type ShardStatus, shardStatusQuery } from '../src/workflows/shard-messages';
import type { BenchStack } from './bench-stack';
import { waitUntil } from './wait';

export interface KspConsumerOptions {
  /** @default ksp's default */
  batchSize?: number;
  idlePollInterval?: Duration;
  maxPollWait?: Duration;
  /** How often the stream workflow looks for new shards. @default the stream workflow's (5 minutes) */
  rediscoverIntervalMs?: number;
}

/** Starts consuming `streamName` from TRIM_HORIZON, by default on the stack's in-process worker. */
export async function startKspConsumer(
  stack: BenchStack,
  streamName: string,
  options: KspConsumerOptions,
  taskQueue = stack.taskQueue,
): Promise<void> {
  const { rediscoverIntervalMs, ...streamOptions } = options;
  // Without `--activity-lifetime` the shards run at ksp's defaults (the consuming loop, 10m);
  // `--activity-lifetime 0` measures one activity per batch.
  const lifetime = stack.maxActivityLifetimeMs;
  const compiled = compileStreamOptions({
    streamName,
    startPosition: { type: 'TRIM_HORIZON' },
    dlqQueueUrl: stack.dlqQueueUrl,
    ...(lifetime === null ? {} : { maxActivityLifetime: lifetime }),
    ...streamOptions,
  });
  await startStream(stack.client, taskQueue, {
    options: compiled,
    ...(rediscoverIntervalMs === undefined ? {} : { rediscoverIntervalMs }),
  });
}

export function shardStatus(client: Client, streamName: string, shardId: string): Promise<ShardStatus> {
  return client.workflow.getHandle(shardWorkflowId(streamName, shardId)).query(shardStatusQuery);
}

/** Status queries in flight at once while waiting for checkpoints. */
const QUERIES_IN_FLIGHT = 32;

/** Resolves once every shard in `targets` has its checkpoint at (or past) the target sequence number. */
export async function waitForCheckpoints(
  client: Client,
  streamName: string,
  targets: Record<string, string>,
  options: {
    timeoutMs: number;
    intervalMs: number;
    signal?: AbortSignal;
    /** Filled with the shards not caught up yet (still there after a timeout). */
    pending?: Set<string>;
  },
): Promise<void> {
  const pending = options.pending ?? new Set<string>();
  for (const id of Object.keys(targets)) pending.add(id);
  await waitUntil(
    async () => {
      // At most QUERIES_IN_FLIGHT status queries at once: each is a workflow task on the worker,
      // and a thousand at once starved the dev server and the worker being measured.
      // A query that fails (a shard workflow not started yet, a query timeout under load) skips
      // that shard for this round only: one failure used to end the round, so every shard after
      // it in the set was never asked again and a 1,000-shard drain looked unfinished.
      const ids = [...pending];
      const failed: string[] = [];
      for (let i = 0; i < ids.length; i += QUERIES_IN_FLIGHT) {
        await Promise.all(
          ids.slice(i, i + QUERIES_IN_FLIGHT).map(async (shardId) => {
            try {
              const { checkpoint } = await shardStatus(client, streamName, shardId);
              const target = targets[shardId] as string;
              if (checkpoint && compareSequence(checkpoint.sequenceNumber, target) >= 0)
                pending.delete(shardId);
            } catch (err) {
              failed.push(`${shardId}: ${err instanceof Error ? err.message : String(err)}`);
            }
          }),
        );
      }
      if (failed.length > 0 && pending.size > 0)
        throw new Error(`${failed.length} of ${ids.length} status queries failed, e.g. ${failed[0]}`);
      return pending.size === 0;
    },
    {
      what: `checkpoints of ${pending.size} shards at the last record written`,
      timeoutMs: options.timeoutMs,
      intervalMs: options.intervalMs,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}

/** Resolves once every shard workflow answers its status query with state `running`. */
export async function waitForShardsRunning(
  client: Client,
  streamName: string,
  shardIds: readonly string[],
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  await waitUntil(
    async () =>
      (await Promise.all(shardIds.map((id) => shardStatus(client, streamName, id)))).every(
        (s) => s.state === 'running',
      ),
    { what: `shard workflows of ${streamName} running`, intervalMs: 200, ...options },
  );
}

/**
 * Ends the stream workflow, then every shard workflow (a measurement is over; nothing to drain).
 * Skipped once `signal` aborts: the whole stack is about to stop, and its server may be gone.
 */
export async function terminateKspConsumer(
  client: Client,
  streamName: string,
  shardIds: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const ids = [streamWorkflowId(streamName), ...shardIds.map((id) => shardWorkflowId(streamName, id))];
  for (const id of ids) {
    if (signal.aborted) return;
    await client.workflow
      .getHandle(id)
      .terminate('ksp bench: measurement over')
      .catch(() => undefined);
  }
}
