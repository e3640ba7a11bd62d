/**
 * Section `actions`, billable Temporal actions counted (not estimated) at the default stream
 * options: a steady stream of 5 records/s per shard (actions per 1,000 records, history events
 * per shard-hour), then the same shards idle (actions per idle shard-hour, a window shorter
 * than an hour scaled up). Actions come from the stream and shard workflows' histories
 * (bench/billable-actions.ts) plus the heartbeats that reached the dev server (its frontend's
 * request counters), so nothing else may run on the stack meanwhile.
 */
import { shardWorkflowId, streamWorkflowId } from '../src/constants';
import { DEFAULTS } from '../src/config/stream-option-types';
import { type BillableActions, actionsSince, countBillableActions, perShardHour } from './billable-actions';
import type { SectionContext } from './context';
import { workflowActivity } from './history-count';
import { startKspConsumer, terminateKspConsumer, waitForShardsRunning } from './ksp-consumer';
import { createStream, deleteStream, freshStreamName } from './streams';
import { produceTimed } from './timed-producer';
import { sleep } from './wait';

export interface ActionsOptions {
  shards: number;
  ratePerShard: number;
  /**
   * From the producer's start to the steady window. The full run waits past each shard's first
   * busy loop publishing its first `KspMillisBehind` (a return LAG_MIN_INTERVAL_MS into the loop,
   * once per shard run: start-up, like the workflow's own start, which the drain counts).
   */
  warmupMs: number;
  steadyWindowMs: number;
  idleWindowMs: number;
  /**
   * Wait after the steady stream stops before the idle window: a busy shard activity returns only
   * after IDLE_AFTER_MS (2 minutes) without records, so a window that starts at once counts that
   * busy-to-idle transition (heartbeats, the return, upserts, signals) instead of idle shards.
   */
  idleSettleMs: number;
}

export interface ActionsWindow {
  seconds: number;
  records: number;
  actions: BillableActions;
  historyEvents: number;
  actionsPer1000Records: number;
  actionsPerShardHour: number;
  eventsPerShardHour: number;
  /** Kinesis calls of the worker in the window, by command (GetRecords, GetShardIterator, …). */
  kinesisCalls: Record<string, number>;
}

export interface ActionsResult {
  shards: number;
  ratePerShard: number;
  steady: ActionsWindow;
  idle: ActionsWindow;
}

/** Goals of issue 14, printed beside the counts. */
export const ACTION_GOALS = { drainPer1000: 1, steadyPer1000: 10, idlePerShardHour: 30 } as const;

async function reading(ctx: SectionContext, streamName: string, shardIds: readonly string[]) {
  const ids = [streamWorkflowId(streamName), ...shardIds.map((id) => shardWorkflowId(streamName, id))];
  const { events, pendingActivities } = await workflowActivity(ctx.stack.client, ids);
  return {
    meter: ctx.stack.workerMeter.read(),
    at: performance.now(),
    events: events.length,
    actions: countBillableActions(events, {
      heartbeats: await ctx.stack.server.heartbeats(),
      pendingActivities,
    }),
  };
}

function windowOf(
  ctx: SectionContext,
  before: Awaited<ReturnType<typeof reading>>,
  after: Awaited<ReturnType<typeof reading>>,
  shards: number,
  records: number,
): ActionsWindow {
  const seconds = (after.at - before.at) / 1000;
  const actions = actionsSince(before.actions, after.actions);
  const events = after.events - before.events;
  return {
    seconds,
    records,
    actions,
    historyEvents: events,
    actionsPer1000Records: records > 0 ? (actions.total * 1000) / records : Number.NaN,
    actionsPerShardHour: perShardHour(actions.total, shards, seconds),
    eventsPerShardHour: perShardHour(events, shards, seconds),
    kinesisCalls: Object.fromEntries(
      Object.entries(ctx.stack.workerMeter.since(before.meter)).map(([command, c]) => [command, c.calls]),
    ),
  };
}

export async function runActions(ctx: SectionContext, o: ActionsOptions): Promise<ActionsResult> {
  const { stack, signal } = ctx;
  const streamName = freshStreamName('actions');
  let shardIds: string[] = [];
  try {
    shardIds = await createStream(stack.kinesis, streamName, o.shards);
    await startKspConsumer(stack, streamName, { batchSize: DEFAULTS.batchSize });
    await waitForShardsRunning(stack.client, streamName, shardIds, { timeoutMs: 60_000, signal });
    const producing = new AbortController();
    const stopProducing = AbortSignal.any([signal, producing.signal]);
    const produced = produceTimed(stack.kinesis, streamName, o.ratePerShard * o.shards, stopProducing);
    await sleep(o.warmupMs, signal);
    const steadyFrom = await reading(ctx, streamName, shardIds);
    const putAtStart = Date.now();
    await sleep(o.steadyWindowMs, signal);
    const steadyTo = await reading(ctx, streamName, shardIds);
    const putAtEnd = Date.now();
    producing.abort();
    const put = await produced;
    const records = put.filter((r) => r.t >= putAtStart && r.t < putAtEnd).length;
    const steady = windowOf(ctx, steadyFrom, steadyTo, o.shards, records);
    ctx.log(
      `actions steady ${o.ratePerShard}/s per shard × ${o.shards}: ${steady.actions.total} actions for ${records} records in ${steady.seconds.toFixed(0)} s = ${steady.actionsPer1000Records.toFixed(1)} per 1,000 records`,
    );
    // Let the last records drain and the busy activities return, then the shards are idle.
    await sleep(5_000 + o.idleSettleMs, signal);
    const idleFrom = await reading(ctx, streamName, shardIds);
    await sleep(o.idleWindowMs, signal);
    const idleTo = await reading(ctx, streamName, shardIds);
    const idle = windowOf(ctx, idleFrom, idleTo, o.shards, 0);
    ctx.log(
      `actions idle × ${o.shards}: ${idle.actions.total} actions (${idle.actions.heartbeats} heartbeats) in ${idle.seconds.toFixed(0)} s = ${idle.actionsPerShardHour.toFixed(0)} per idle shard-hour`,
    );
    return { shards: o.shards, ratePerShard: o.ratePerShard, steady, idle };
  } finally {
    await terminateKspConsumer(stack.client, streamName, shardIds, ctx.signal);
    await deleteStream(stack.kinesis, streamName, ctx.signal);
  }
}
