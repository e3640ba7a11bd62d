/**
 * The autoscale workflow on the time-skipping server under synthetic load profiles (ramp, spike,
 * sawtooth): the real autoscale, reshard and stream workflows, the real ledger activity; Kinesis
 * is a model whose shard count the reshard activities change, and the load sampler integrates a
 * records/s profile over (skipped) time. Hours of load run in seconds.
 */
import { shardStartActivities } from '../../src/activities/stream/shard-starter';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { Worker } from '@temporalio/worker';
import { createReshardActivities } from '../../src/activities/reshard/reshard';
import { type AutoscaleOptions, compileAutoscaleOptions } from '../../src/config/autoscale-options';
import { startAutoscale } from '../../src/client/autoscale-control';
import { streamWorkflowId } from '../../src/constants';
import {
  type AutoscaleResult,
  type AutoscaleStatus,
  type RecordedDecision,
  autoscaleStatusQuery,
  stopAutoscaleSignal,
} from '../../src/workflows/autoscale-messages';
import { type LoadSample, WRITE_LIMITS } from '../../src/workflows/autoscale-load';
import { type ReshardLedgerEntry, reshardCompletedSignal } from '../../src/workflows/stream-messages';
import { MAX_HASH_KEY } from '../../src/workflows/hash-range';
import type { StreamShape } from '../../src/workflows/reshard-limits';
import type { OpenShard } from '../../src/workflows/reshard-messages';
import type { StreamWorkflowInput, StreamWorkflowResult } from '../../src/workflows/stream';
import { workflowBundlePath } from '../helpers/bundle';
import { testOptions } from '../helpers/fake-batches';
import { skipTime } from '../helpers/time';
import { useTimeSkipping } from '../helpers/time-skipping';
import { captureWorkerLog, failedWorkflowTasks } from '../helpers/bad-messages';
import { waitFor } from '../helpers/wait';

const { env } = useTimeSkipping();
let n = 0;
const MIN = 60_000;
/** Never called: the ledger activity only talks to Temporal. */
const unusedKinesis = new KinesisClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1' });

afterAll(() => {
  unusedKinesis.destroy();
});

function equalShards(count: number, generation: number): OpenShard[] {
  const space = MAX_HASH_KEY + 1n;
  return Array.from({ length: count }, (_, i) => ({
    shardId: `shardId-${String(generation * 1000 + i).padStart(12, '0')}`,
    startingHashKey: ((space * BigInt(i)) / BigInt(count)).toString(),
    endingHashKey: ((space * BigInt(i + 1)) / BigInt(count) - 1n).toString(),
    parentShardIds: [],
  }));
}

interface Change {
  at: number;
  from: number;
  to: number;
}

/**
 * Runs autoscaling for `durationMs` of workflow time against a stream of `shards` shards whose
 * write load (records/s) is `profile(minutesSinceStart)`. Returns the decisions and the changes.
 */
async function simulate(
  shards: number,
  profile: (minute: number) => number,
  durationMs: number,
  over: Partial<AutoscaleOptions> = {},
  ledger: (startMs: number) => ReshardLedgerEntry[] = () => [],
): Promise<{
  changes: Change[];
  decisions: RecordedDecision[];
  status: AutoscaleStatus;
  result: AutoscaleResult;
  startMs: number;
}> {
  const id = ++n;
  const streamName = `autoscale-${id}`;
  const taskQueue = `autoscale-test-${id}`;
  const model = { open: shards, generation: 0, records: 0, lastAt: 0 };
  const changes: Change[] = [];
  const startMs = await env.currentTimeMs();
  model.lastAt = startMs;
  const minute = (t: number) => (t - startMs) / MIN;
  const ledgerActivity = createReshardActivities({
    kinesis: unusedKinesis,
    client: () => env.client,
  }).readReshardLedger;
  const shape = (): StreamShape => ({
    streamName,
    status: 'ACTIVE',
    mode: 'PROVISIONED',
    openShards: equalShards(model.open, model.generation),
    account: null,
  });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      // Stream workflow: keeps the ledger; its shard workflows are not needed here.
      describeStream: async () => ({ streamName, streamArn: 'arn', status: 'ACTIVE', shards: [] }),
      ...shardStartActivities(async () => ({ state: 'running', status: null })),
      // Reshard workflow against the model.
      inspectStreamForReshard: async () => shape(),
      readReshardLedger: ledgerActivity,
      updateShardCount: async (input: { targetShardCount: number }) => {
        const at = await env.currentTimeMs();
        changes.push({ at, from: model.open, to: input.targetShardCount });
        model.open = input.targetShardCount;
        model.generation++;
        return { supported: true, alreadyDone: false };
      },
      waitForStreamActive: async () => ({
        activeAt: new Date(await env.currentTimeMs()).toISOString(),
        waitedMs: 0,
        openShards: shape().openShards,
      }),
      // Autoscale: the load the shard workflows would have read, integrated over workflow time.
      sampleStreamLoad: async (): Promise<LoadSample> => {
        const now = await env.currentTimeMs();
        const mid = (model.lastAt + now) / 2;
        model.records += (profile(minute(mid)) * (now - model.lastAt)) / 1000;
        model.lastAt = now;
        const records = Math.round(model.records);
        return {
          at: now,
          streamStatus: 'ACTIVE',
          openShardCount: model.open,
          account: null,
          records,
          bytes: records * 200,
          maxLagMs: 0,
          shards: equalShards(model.open, model.generation).map((s) => [s.shardId, 0, 0]),
        };
      },
    },
  });
  return worker.runUntil(async () => {
    await env.client.workflow.start<(i: StreamWorkflowInput) => Promise<StreamWorkflowResult>>(
      'streamWorkflow',
      {
        taskQueue,
        workflowId: streamWorkflowId(streamName),
        args: [{ options: testOptions({ streamName }), rediscoverIntervalMs: 24 * 3_600_000 }],
      },
    );
    const stream = env.client.workflow.getHandle(streamWorkflowId(streamName));
    for (const entry of ledger(startMs)) await stream.signal(reshardCompletedSignal, entry);
    const options = compileAutoscaleOptions({ streamName, minShards: 2, maxShards: 64, ...over });
    const handle = await startAutoscale(env.client, taskQueue, options);
    await skipTime(env, durationMs);
    const status = await handle.query(autoscaleStatusQuery);
    await handle.signal(stopAutoscaleSignal);
    // No timer may outlive this worker: an unlocked test server would jump to it, hand its task to
    // a worker that is shutting down, and stay locked on it.
    await stream.terminate('simulation over');
    const result = await handle.result();
    return { changes, decisions: status.decisions, status, result, startMs };
  });
}

/** Utilisation of `records/s` on `open` shards. */
const util = (recordsPerSecond: number, open: number) =>
  recordsPerSecond / (open * WRITE_LIMITS.recordsPerSecond);

/** Every change respects the limits: 2× / ½, min/max, cooldown, and no reversal within the down window. */
function expectWellBehaved(changes: Change[], min: number, max: number, cooldownMs = 5 * MIN): void {
  changes.forEach((c, i) => {
    expect(c.to).toBeLessThanOrEqual(Math.min(2 * c.from, max));
    expect(c.to).toBeGreaterThanOrEqual(Math.max(Math.ceil(c.from / 2), min));
    const previous = changes[i - 1];
    if (previous) expect(c.at - previous.at).toBeGreaterThanOrEqual(cooldownMs);
  });
}

test('ramp: 500 → 12,000 records/s over 2 h scales up step by step, each within 2×, after a cooldown, never down', async () => {
  // Act
  const ramp = (m: number) => 500 + Math.min(m, 120) * (11_500 / 120);
  const { changes, decisions } = await simulate(2, ramp, 150 * MIN);
  // Assess
  expect(changes.length).toBeGreaterThanOrEqual(3);
  expect(changes.length).toBeLessThanOrEqual(10);
  expect(changes.every((c) => c.to > c.from)).toBe(true);
  expectWellBehaved(changes, 2, 64);
  const final = changes[changes.length - 1]!.to;
  expect(util(12_000, final)).toBeLessThanOrEqual(0.75); // the peak fits below the threshold
  expect(util(12_000, final)).toBeGreaterThan(0.25); // and not wastefully
  const ups = decisions.filter((d) => d.action === 'scale-up');
  expect(ups.map((d) => d.outcome?.status)).toEqual(ups.map(() => 'completed'));
  expect(ups.every((d) => d.code === 'scale-up-load' && /utilisation above 75% for 3m/.test(d.reason))).toBe(
    true,
  );
  // Decisions not to act were recorded with their reasons along the way.
  const holds = new Set(decisions.filter((d) => d.action === 'hold').map((d) => d.code));
  expect(holds).toEqual(expect.objectContaining(new Set(['warming-up', 'above-not-sustained'])) as unknown);
  expect(
    [...holds].every((c) => ['warming-up', 'in-band', 'above-not-sustained', 'cooldown'].includes(c)),
  ).toBe(true);
});

test('spike: 2 minutes at 95% changes nothing; 20 minutes scales up once, then down once after it ends', async () => {
  const base = 1_500; // 37.5% of 4 shards
  const spike = (from: number, minutes: number) => (m: number) =>
    m >= from && m < from + minutes ? 3_800 : base;
  // A short spike: never sustained for the 3 m window.
  const short = await simulate(4, spike(30, 2), 60 * MIN);
  expect(short.changes).toEqual([]);
  expect(short.decisions.some((d) => d.code === 'above-not-sustained')).toBe(true);
  // A long spike: up to the size for the peak, then, 15 m of low load after it, back down.
  const long = await simulate(4, spike(30, 20), 100 * MIN);
  expect(long.changes.map((c) => [c.from, c.to])).toEqual([
    [4, 8],
    [8, 4],
  ]);
  expectWellBehaved(long.changes, 2, 64);
  const [up, down] = long.changes;
  expect(up!.at - long.startMs).toBeGreaterThanOrEqual(33 * MIN);
  expect(down!.at - long.startMs).toBeGreaterThanOrEqual((30 + 20 + 15) * MIN);
  expect(down!.at - up!.at).toBeGreaterThanOrEqual(15 * MIN);
});

test('sawtooth: load swinging between 20% and 90% every 2 minutes never reshards (no flapping)', async () => {
  const saw = (m: number) => (Math.floor(m / 2) % 2 === 0 ? 0.2 : 0.9) * 8 * WRITE_LIMITS.recordsPerSecond;
  const { changes, decisions } = await simulate(8, saw, 120 * MIN);
  expect(changes).toEqual([]);
  const codes = new Set(decisions.map((d) => d.code));
  expect(codes.has('above-not-sustained')).toBe(true);
  expect(codes.has('below-not-sustained')).toBe(true);
  expect(
    [...codes].every((c) =>
      ['warming-up', 'above-not-sustained', 'below-not-sustained', 'in-band'].includes(c),
    ),
  ).toBe(true);
  // Consecutive holds for one reason fold into one entry, so the list stays short and complete.
  expect(decisions.reduce((sum, d) => sum + d.count, 0)).toBeGreaterThanOrEqual(115);
});

test('limits: at maxShards it holds; with 9 changes in the last 24 h it makes one more, then waits for the window', async () => {
  // Sustained 95% on 8 shards with maxShards 8: nothing to do but say so.
  const capped = await simulate(8, () => 7_600, 30 * MIN, { maxShards: 8 });
  expect(capped.changes).toEqual([]);
  expect(
    capped.decisions.some(
      (d) => d.code === 'at-max' && /already the configured maximum of 8 shards/.test(d.reason),
    ),
  ).toBe(true);
  // Nine earlier changes: a growing load gets exactly one more, then the 24 h limit holds.
  const nine = (start: number): ReshardLedgerEntry[] =>
    Array.from({ length: 9 }, (_, i) => ({
      at: new Date(start - (20 - i) * MIN).toISOString(),
      from: 2,
      to: 2,
      kind: 'count',
      method: 'UpdateShardCount',
      workflowId: 'earlier',
    }));
  const limited = await simulate(2, (m) => Math.min(1_900 + m * 100, 8_000), 60 * MIN, {}, nine);
  expect(limited.changes).toHaveLength(1);
  expect(
    limited.decisions.some((d) => d.code === 'count-change-limit' && /next is allowed at/.test(d.reason)),
  ).toBe(true);
});

test('dry run and continue-as-new: decisions are recorded across runs, nothing is resharded', async () => {
  const { changes, decisions, status } = await simulate(2, () => 1_900, 90 * MIN, {
    dryRun: true,
    maxHistoryEvents: 300,
  });
  expect(changes).toEqual([]);
  expect(status.run).toBeGreaterThan(1);
  const dry = decisions.filter((d) => d.outcome?.status === 'dry-run');
  expect(dry).toHaveLength(1); // the same dry-run decision repeated folds into one entry
  expect(dry[0]).toMatchObject({ action: 'scale-up', from: 2, to: 4 });
  expect(dry[0]!.count).toBeGreaterThan(50);
});

test('a stop sent by name with a payload is logged and dropped, a status query with one fails alone; a plain stop stops', async () => {
  // Prepare: an autoscaler on a steady, in-band load.
  const taskQueue = `autoscale-test-${++n}`;
  const streamName = `autoscale-${n}`;
  let samples = 0;
  const log = captureWorkerLog();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities: {
      readReshardLedger: async () => ({ entries: [], streamWorkflowFound: false }),
      sampleStreamLoad: async (): Promise<LoadSample> => {
        const at = await env.currentTimeMs();
        const records = 1_000 * ++samples * 60;
        return {
          at,
          streamStatus: 'ACTIVE',
          openShardCount: 4,
          account: null,
          records,
          bytes: records * 200,
          maxLagMs: 0,
          shards: [],
        };
      },
    },
  });
  try {
    await worker.runUntil(async () => {
      const handle = await startAutoscale(
        env.client,
        taskQueue,
        compileAutoscaleOptions({ streamName, maxShards: 8 }),
      );
      await waitFor(() => samples >= 1, { what: 'a first sample' });
      const raw = env.client.workflow.getHandle(handle.workflowId);
      // Act: what a typo on the Temporal CLI sends.
      await raw.signal('stop', 'now');
      await raw.signal('stop', [1, 2]);
      const dropped = () => log.lines.filter((l) => l.message === 'dropped a malformed signal');
      await waitFor(() => dropped().length === 2, { what: 'two dropped signals logged' });
      // Assess
      expect(dropped().map((l) => l.meta?.problem)).toEqual([
        '`stop` takes no input, got "now": send it without --input',
        '`stop` takes no input, got [1,2]: send it without --input',
      ]);
      await expect(raw.query('status', { verbose: true })).rejects.toThrow(
        '`status` takes no input, got {"verbose":true}: send it without --input',
      );
      expect(await raw.query(autoscaleStatusQuery)).toMatchObject({ state: 'running', run: 1 });
      await raw.signal('stop', {}); // an empty object is no payload
      expect(await raw.result()).toMatchObject({ streamName, run: 1 });
      expect(await failedWorkflowTasks(raw)).toEqual([]);
    });
  } finally {
    log.stop();
  }
});
