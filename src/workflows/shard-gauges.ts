/**
 * The shard's gauges, from the workflow (whose state they describe): `ksp_shard_state` one-hot
 * over the states a shard workflow can be in, and when its checkpoint last moved. Set on every
 * turn of the loop, so whichever worker runs the workflow exports them; the SDK skips workflow
 * metrics during replay. Nothing here enters history.
 */
import { metricMeter } from '@temporalio/workflow';
import { KspMetrics } from '../metrics/recorder';
import type { ShardRunState } from './shard-messages';

const STATES: readonly ShardRunState[] = ['running', 'paused', 'stopped', 'finished'];

export class ShardGauges {
  private readonly metrics = new KspMetrics(metricMeter);

  constructor(private readonly tags: { stream: string; shard: string }) {}

  publish(state: ShardRunState, checkpointMovedAt: string | null): void {
    for (const s of STATES) this.metrics.set('shardState', s === state ? 1 : 0, { ...this.tags, state: s });
    if (checkpointMovedAt !== null) {
      this.metrics.set('checkpointMoved', Date.parse(checkpointMovedAt) / 1000, this.tags);
    }
  }
}
