/**
 * The shard workflow since the `shard-consume-loop` patch, on the time-skipping server: it asks for
 * a consuming loop (busy or idle watch), applies a loop's summed result, switches between busy and
 * idle as the loop reports, and a pause leaves an idle watch at once but waits for a busy loop's
 * batch and checkpoint. The loop itself is tested in test/unit/consume-loop.test.ts and
 * test/activities/consume-loop.test.ts.
 */
import { Context } from '@temporalio/activity';
import { Worker } from '@temporalio/worker';
import type { ConsumeInput, ConsumeResult, LoopSummary } from '../../src/activities/shard/consume-contract';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../src/workflows/shard';
import {
  pauseShardSignal,
  resumeShardSignal,
  shardStatusQuery,
  stopShardSignal,
} from '../../src/workflows/shard-messages';
import { rebalanceTaskQueue } from '../../src/rebalance-queue';
import { workflowBundlePath } from '../helpers/bundle';
import { handled, loopSummary, result, seq, testOptions } from '../helpers/fake-batches';
import { useTimeSkipping } from '../helpers/time-skipping';
import { waitFor } from '../helpers/wait';

const { env } = useTimeSkipping();
let queueCounter = 0;

const summary = loopSummary;

/** A loop's result: `n` batches of 10 records ending at seq(last). */
function looped(
  last: number,
  batches: number,
  over: Partial<LoopSummary> = {},
  extra: Partial<ConsumeResult> = {},
): ConsumeResult {
  return { ...handled(last, batches * 10, extra), loop: summary({ batches, ...over }) };
}

function idleWatch(i: ConsumeInput, reason: LoopSummary['reason']): ConsumeResult {
  return {
    ...result({ outcome: 'idle', checkpoint: i.checkpoint }),
    loop: summary({ mode: 'idle', reason, batches: 0 }),
  };
}

/**
 * A worker running `script` as processBatch, and (unless `rebalanceQueue` is false) one polling the
 * task queue's rebalance queue with the same script; `queues` says which queue ran each call.
 */
async function withWorker<T>(
  script: (input: ConsumeInput, i: number) => ConsumeResult | Promise<ConsumeResult>,
  body: (taskQueue: string, calls: ConsumeInput[], queues: string[]) => Promise<T>,
  { rebalanceQueue = true }: { rebalanceQueue?: boolean } = {},
): Promise<T> {
  const taskQueue = `shard-loop-test-${++queueCounter}`;
  const calls: ConsumeInput[] = [];
  const queues: string[] = [];
  const activities = {
    processBatch: async (input: ConsumeInput) => {
      calls.push(input);
      queues.push(Context.current().info.taskQueue);
      return script(input, calls.length - 1);
    },
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities,
  });
  if (!rebalanceQueue) return worker.runUntil(body(taskQueue, calls, queues));
  const rebalance = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: rebalanceTaskQueue(taskQueue),
    activities,
  });
  return rebalance.runUntil(worker.runUntil(body(taskQueue, calls, queues)));
}

function input(options: Record<string, unknown> = {}): ShardWorkflowInput {
  return {
    streamName: 'orders',
    shardId: 'shardId-000000000000',
    streamWorkflowId: null,
    // The consuming loop's default lifetime, stated so these tests do not follow a default change.
    options: testOptions({ maxActivityLifetime: '10m', ...options }),
    startPosition: { type: 'TRIM_HORIZON' },
  };
}

async function start(taskQueue: string, args: ShardWorkflowInput) {
  return env.client.workflow.start<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>('shardWorkflow', {
    taskQueue,
    workflowId: `shard-${taskQueue}`,
    args: [args],
  });
}

test('busy loops, an idle watch once quiet, busy again when records arrive; summed counters applied', async () => {
  const script = (i: ConsumeInput, n: number): ConsumeResult => {
    switch (n) {
      case 0:
        return looped(50, 5, { reason: 'lifetime' });
      case 1:
        return looped(60, 1, { reason: 'idle' });
      case 2:
        return idleWatch(i, 'lifetime');
      case 3:
        return idleWatch(i, 'records');
      default:
        return looped(90, 3, { reason: 'ended' }, { shardEnded: true, childShardIds: [] });
    }
  };
  const { out, calls } = await withWorker(script, async (tq, calls) => ({
    out: await (await start(tq, input({ maxActivityLifetime: '2m', busyPollInterval: '300ms' }))).result(),
    calls,
  }));
  expect(calls.map((c) => c.loop?.mode)).toEqual(['busy', 'busy', 'idle', 'idle', 'busy']);
  // Nothing published yet: the first loop returns with the first lag of 1 s or more it sees, or
  // a minute into a shard at the tip, for a first 0 (lag-attribute.ts).
  expect(calls[0]?.loop).toEqual({
    mode: 'busy',
    lifetimeMs: 120_000,
    busyPollIntervalMs: 300,
    lag: { fromMs: 0, toMs: 1_000, holdMs: 0, atOnceBelowMs: 0, publishAfterMs: 60_000 },
  });
  expect(calls[2]?.loop).toMatchObject({ mode: 'idle', lifetimeMs: 300_000 });
  expect(calls.map((c) => c.checkpoint?.sequenceNumber ?? null)).toEqual([
    null,
    seq(50),
    seq(60),
    seq(60),
    seq(60),
  ]);
  expect(out).toMatchObject({
    reason: 'shard-ended',
    status: { checkpoint: { sequenceNumber: seq(90) }, handled: 90, batches: 9 },
  });
});

test('a busy loop is told the band of the published KspMillisBehind and returns when its lag leaves it', async () => {
  const script = (i: ConsumeInput, n: number): ConsumeResult => {
    if (n === 0) return looped(10, 1, { reason: 'lag' }, { millisBehindLatest: 0 });
    if (n === 1) return looped(20, 1, { reason: 'lag' }, { millisBehindLatest: 420_000 });
    return looped(30, 1, { reason: 'ended' }, { shardEnded: true, millisBehindLatest: 0 });
  };
  const { calls } = await withWorker(script, async (tq, calls) => {
    await (await start(tq, input())).result();
    return { calls };
  });
  expect(calls.map((c) => c.loop?.lag)).toEqual([
    { fromMs: 0, toMs: 1_000, holdMs: 0, atOnceBelowMs: 0, publishAfterMs: 60_000 },
    // 0 was just published: another bucket counts after the attribute's least interval.
    { fromMs: 0, toMs: 1_000, holdMs: expect.any(Number) as number, atOnceBelowMs: 0 },
    // 7 min is within 1 min of the last upsert: not published, so the band is still 0's.
    { fromMs: 0, toMs: 1_000, holdMs: expect.any(Number) as number, atOnceBelowMs: 0 },
  ]);
  expect(calls[1]?.loop?.lag?.holdMs).toBeGreaterThan(50_000);
});

test('a loop that left for another worker goes on in the same mode, with its returns in a row counted', async () => {
  const script = (i: ConsumeInput, n: number): ConsumeResult => {
    if (n === 0) return looped(10, 1, { reason: 'rebalance' });
    if (n === 1) return { ...idleWatch(i, 'rebalance'), loop: summary({ reason: 'rebalance', batches: 0 }) };
    if (n === 2) return looped(20, 1, { reason: 'idle' });
    if (n === 3) return idleWatch(i, 'rebalance');
    if (n === 4) return idleWatch(i, 'records');
    return looped(30, 1, { reason: 'ended' }, { shardEnded: true });
  };
  const { calls, queues } = await withWorker(script, async (tq, calls, queues) => {
    await (await start(tq, input())).result();
    return {
      calls,
      queues: queues.map((q) => (q === tq ? 'main' : q === rebalanceTaskQueue(tq) ? 'rebalance' : q)),
    };
  });
  expect(calls.map((c) => [c.loop?.mode, c.loop?.rebalances ?? 0])).toEqual([
    ['busy', 0],
    ['busy', 1],
    ['busy', 2],
    ['idle', 0],
    ['idle', 1],
    ['busy', 0],
  ]);
  // After a `rebalance`, the next loop is for a worker below its share: the rebalance queue.
  expect(queues).toEqual(['main', 'rebalance', 'rebalance', 'main', 'rebalance', 'main']);
});

test('a rebalance queue nobody takes from falls back to the task queue: bounces kept, no failure counted', async () => {
  const script = (i: ConsumeInput, n: number): ConsumeResult => {
    if (n === 0) return looped(10, 1, { reason: 'rebalance' });
    return looped(40, 3, { reason: 'ended' }, { shardEnded: true });
  };
  const { out, calls, queues } = await withWorker(
    script,
    async (tq, calls, queues) => ({
      out: await (await start(tq, input())).result(),
      calls,
      queues: queues.map((q) => (q === tq ? 'main' : q)),
    }),
    { rebalanceQueue: false },
  );
  // No worker polls the rebalance queue: each call ran on the task queue, the shard went on.
  expect(queues).toEqual(['main', 'main']);
  expect(calls.map((c) => [c.attempt, c.loop?.rebalances ?? 0])).toEqual([
    [1, 0],
    [1, 1],
  ]);
  expect(out.status).toMatchObject({
    state: 'finished',
    checkpoint: { sequenceNumber: seq(40) },
    handled: 40,
    attempt: 1,
    lastError: null,
  });
});

test('a handler failure comes back from the loop; the retry is one batch, then loops again', async () => {
  const script = (i: ConsumeInput, n: number): ConsumeResult => {
    if (n === 0)
      return {
        ...result({
          outcome: 'retry',
          checkpoint: { sequenceNumber: seq(40) },
          fetched: 50,
          handled: 40,
          handlerRecords: 10,
          failure: 'batch',
          error: { type: 'Error', message: 'poison' },
        }),
        loop: summary({ reason: 'failure', batches: 5 }),
      };
    if (n === 1) return { ...handled(50), loop: summary({ reason: 'policy' }) };
    return looped(60, 1, { reason: 'ended' }, { shardEnded: true });
  };
  const { out, calls } = await withWorker(script, async (tq, calls) => ({
    out: await (await start(tq, input({ retry: { maximumAttempts: 3, initialInterval: '1s' } }))).result(),
    calls,
  }));
  // The record at seq(40)'s successor failed once: the retry is its attempt 2.
  expect(calls.map((c) => [c.attempt, c.checkpoint?.sequenceNumber])).toEqual([
    [1, undefined],
    [2, seq(40)],
    [1, seq(50)],
  ]);
  expect(out.status).toMatchObject({ handled: 60, lastError: { type: 'Error' } });
});

test('pause leaves an idle watch at once; resume starts the next', async () => {
  let release = (): void => undefined;
  const released = new Promise<void>((r) => (release = r));
  await withWorker(
    async (i, n) => {
      if (n === 0) return looped(10, 1, { reason: 'idle' });
      if (n === 1) {
        // An idle watch does not heartbeat: it never hears the cancel, the workflow does not wait.
        await released;
        return idleWatch(i, 'records');
      }
      return looped(20, 1, { reason: 'ended' }, { shardEnded: true });
    },
    async (tq, calls) => {
      const handle = await start(tq, input());
      await waitFor(() => calls.length === 2, { what: 'the idle watch', intervalMs: 20 });
      await handle.signal(pauseShardSignal, { reason: 'maintenance' });
      expect(await handle.query(shardStatusQuery)).toMatchObject({
        state: 'paused',
        checkpoint: { sequenceNumber: seq(10) },
      });
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true);
      release();
      await handle.signal(resumeShardSignal);
      const out = await handle.result();
      expect(out.status).toMatchObject({ checkpoint: { sequenceNumber: seq(20) }, handled: 20 });
      expect(calls).toHaveLength(3);
    },
  );
});

test('stop waits for a busy loop to finish its batch and applies what it returns', async () => {
  await withWorker(
    async (i, n) => {
      if (n > 0) return looped(99, 1, { reason: 'ended' }, { shardEnded: true });
      // Heartbeats until the cancel reaches it, then returns what it handled, as the loop does.
      const ctx = Context.current();
      while (!ctx.cancellationSignal.aborted) {
        ctx.heartbeat({ phase: 'consuming' });
        await new Promise((r) => setTimeout(r, 50));
      }
      return looped(30, 3, { reason: 'cancelled' });
    },
    async (tq, calls) => {
      const handle = await start(tq, input({ heartbeatTimeout: '2s' }));
      await waitFor(() => calls.length === 1, { what: 'the busy loop', intervalMs: 20 });
      await handle.signal(stopShardSignal);
      const out = await handle.result();
      expect(out).toMatchObject({
        reason: 'stopped',
        status: { checkpoint: { sequenceNumber: seq(30) }, handled: 30, batches: 3 },
      });
      expect(calls).toHaveLength(1);
    },
  );
});

test('the progress report after a loop goes out beside the next activity, reports and the end in order', async () => {
  await withWorker(
    (i, n) => {
      if (n === 0) return looped(10, 1, { reason: 'lag' }, { millisBehindLatest: 0 });
      return looped(20, 1, { reason: 'ended' }, { shardEnded: true, childShardIds: [] });
    },
    async (tq) => {
      // The stream workflow stands in as a workflow nobody runs: signals to it are only recorded.
      const stream = await env.client.workflow.start('shardWorkflow', {
        taskQueue: `${tq}-nobody`,
        workflowId: `stream-${tq}`,
        args: [input()],
      });
      const handle = await start(tq, { ...input(), streamWorkflowId: stream.workflowId });
      await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      const firstAt = (pick: (e: (typeof events)[number]) => unknown, nth = 0) =>
        events.map((e, at) => (pick(e) ? at : -1)).filter((at) => at >= 0)[nth] ?? -1;
      const secondActivity = firstAt((e) => e.activityTaskScheduledEventAttributes, 1);
      const firstReportDelivered = firstAt((e) => e.externalWorkflowExecutionSignaledEventAttributes);
      expect(secondActivity).toBeGreaterThan(0);
      // Scheduled in the workflow task that sent the report, not after the report was delivered.
      expect(secondActivity).toBeLessThan(firstReportDelivered);
      await stream.terminate('test over');
      const received = ((await stream.fetchHistory()).events ?? []).flatMap((e) =>
        e.workflowExecutionSignaledEventAttributes
          ? [e.workflowExecutionSignaledEventAttributes.signalName]
          : [],
      );
      expect(received).toEqual(['shardProgress', 'shardEnded']);
    },
  );
});
