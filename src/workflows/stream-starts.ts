/**
 * How the stream workflow starts its shard workflows: what a start sends (what the shards of a
 * pass share, once per batch, and each shard's own part), the start activities, and what their
 * answers change in the StreamState. One `startShardWorkflows` activity per SHARDS_PER_START
 * shards since the `batched-shard-starts` patch (stream.ts decides which way a run starts them);
 * `startShardWorkflow` per shard for the histories recorded before it.
 */
import { log, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { StartShardPart, StartShardResult, StartShardsCommon } from '../activities/stream/shard-starter';
import type { CompiledStreamOptions } from '../config/stream-options';
import { INFRA_RETRY } from './retry-policies';
import { startRefusal } from './stream-refusal';
import { parseShardStatus } from './stream-payloads';
import type { ShardToStart, StreamState } from './stream-state';

/** At most this many shards per `startShardWorkflows` call: its input and result stay small. */
export const SHARDS_PER_START = 64;

const { startShardWorkflow, startShardWorkflows } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: INFRA_RETRY,
});

/** A child shard's inherited quarantined keys, only when there are any (the input stays as it was otherwise). */
function inherited(keys: string[]): { quarantinedKeys?: string[] } {
  return keys.length > 0 ? { quarantinedKeys: keys } : {};
}

export class ShardStarts {
  constructor(
    private readonly stream: StreamState,
    private readonly options: CompiledStreamOptions,
  ) {}

  /** One shard at a time (before the batched-shard-starts patch). */
  async one(shard: ShardToStart): Promise<void> {
    const started = await startShardWorkflow({ ...this.common(), ...this.part(shard) }).catch(startRefusal);
    this.apply(shard.shardId, started);
  }

  /** Startable shards in batches, at once; a shard the starter did not answer for stays startable. */
  async batched(shards: ShardToStart[]): Promise<void> {
    const batches: ShardToStart[][] = [];
    for (let i = 0; i < shards.length; i += SHARDS_PER_START)
      batches.push(shards.slice(i, i + SHARDS_PER_START));
    await Promise.all(
      batches.map(async (batch) => {
        const input = { ...this.common(), shards: batch.map((s) => this.part(s)) };
        const started = await startShardWorkflows(input).catch(startRefusal);
        for (const { shardId } of batch) {
          const one = started[shardId];
          if (one) this.apply(shardId, one);
        }
      }),
    );
  }

  /** What every shard start of this pass shares. */
  private common(): StartShardsCommon {
    const identity = this.stream.identity;
    return {
      streamName: this.options.streamName,
      options: this.options,
      paused: this.stream.paused,
      pauseReason: this.stream.pauseReason,
      ...(identity ? { identity } : {}),
    };
  }

  /** One shard's part of its start. */
  private part({ shardId, startPosition, seek }: ShardToStart): StartShardPart {
    return {
      shardId,
      startPosition,
      ...(seek ? { seek } : {}),
      ...inherited(this.stream.inheritedQuarantine(shardId)),
    };
  }

  private apply(shardId: string, started: StartShardResult): void {
    const status = started.status ? parseShardStatus(started.status) : null;
    if (status?.ok === false) log.warn(`a shard status the starter found is malformed: ${status.problem}`);
    this.stream.applyStarted(shardId, { state: started.state, status: status?.ok ? status.value : null });
  }
}
