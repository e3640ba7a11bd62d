/**
 * ReshardRun, the reshard workflow's decisions, without a server: what it calls next, the
 * fallback to planned splits and merges, the steps it reports and what the stream workflow is told.
 * Kinesis is StreamModel; the "workflow" is `drive`, which does what each action asks.
 */
import {
  DEFAULT_MAX_SHARDS,
  reshardInputProblem,
  upgradeReshardInput,
} from '../../src/workflows/reshard-input';
import type { ReshardWorkflowInput } from '../../src/workflows/reshard-messages';
import { type ReshardAction, ReshardRun } from '../../src/workflows/reshard-run';
import type { ReshardLedgerEntry } from '../../src/workflows/stream-messages';
import { StreamModel } from '../helpers/stream-model';

const STREAM_ID = 'ksp:orders';
const T0 = Date.parse('2026-12-01T10:00:00.000Z');

interface Driven {
  run: ReshardRun;
  actions: ReshardAction['kind'][];
  notified: Array<Omit<ReshardLedgerEntry, 'workflowId'>>;
  refusal: string | null;
}

/** Runs a reshard to its end against the model; each action takes 1 s of (fake) time. */
function drive(
  model: StreamModel,
  stored: Omit<ReshardWorkflowInput, 'streamName'>,
  backend: { updateShardCount: boolean; streamWorkflow?: boolean; signalFails?: boolean },
): Driven {
  const run = new ReshardRun(upgradeReshardInput({ streamName: 'orders', ...stored }), T0);
  let now = T0;
  const driven: Driven = { run, actions: [], notified: [], refusal: null };
  const found = backend.streamWorkflow ?? true;
  const refusal = run.check(
    model.shape('orders'),
    { entries: [], streamWorkflowFound: found },
    now,
    STREAM_ID,
  );
  if (refusal) return { ...driven, refusal: refusal.message };
  for (;;) {
    now += 1000;
    const action = run.next(now);
    driven.actions.push(action.kind);
    switch (action.kind) {
      case 'update-shard-count': {
        const unsupported = run.updateShardCountAnswered(backend.updateShardCount);
        if (unsupported) return { ...driven, refusal: unsupported };
        if (backend.updateShardCount)
          model.open = model.uniform(
            action.targetShardCount,
            model.open.map((s) => s.shardId),
          );
        break;
      }
      case 'split':
        model.split(action.args.shardId, action.args.newStartingHashKey);
        break;
      case 'merge':
        model.merge(action.args.shardId, action.args.adjacentShardId);
        break;
      case 'wait-for-active':
        run.active({ activeAt: new Date(now).toISOString(), openShards: model.open }, now);
        break;
      case 'notify-stream':
        driven.notified.push(action.entry);
        run.notified(backend.signalFails ? 'no such workflow' : null, STREAM_ID);
        break;
      case 'done':
        return driven;
    }
  }
}

test('UpdateShardCount: one call, ACTIVE, the step reported and the stream workflow told', () => {
  // Prepare
  const model = new StreamModel(2);
  // Act
  const { run, actions, notified } = drive(
    model,
    { request: { kind: 'count', targetShardCount: 4 } },
    { updateShardCount: true },
  );
  // Assess
  expect(actions).toEqual(['update-shard-count', 'wait-for-active', 'notify-stream', 'done']);
  expect(notified).toEqual([
    { at: '2026-12-01T10:00:02.000Z', from: 2, to: 4, kind: 'count', method: 'UpdateShardCount' },
  ]);
  const result = run.result(T0 + 10_000);
  expect(result.steps).toHaveLength(1);
  expect(result.steps[0]).toMatchObject({ from: 2, to: 4, method: 'UpdateShardCount', durationMs: 2000 });
  expect(result.steps[0]!.calls).toEqual([
    {
      call: { op: 'UpdateShardCount', targetShardCount: 4 },
      durationMs: 1000,
      activeAt: '2026-12-01T10:00:02.000Z',
    },
  ]);
  expect(result).toMatchObject({
    requestedBy: null,
    durationMs: 10_000,
    streamWorkflowNotified: true,
    notes: [],
  });
  expect(result.after).toHaveLength(4);
  expect(run.progress.phase).toBe('done');
});

test('without UpdateShardCount, "auto" falls back to planned splits for this step and every later one', () => {
  const model = new StreamModel(2);
  const { run, actions, notified } = drive(
    model,
    { request: { kind: 'count', targetShardCount: 5, allowMultipleSteps: true } },
    { updateShardCount: false },
  );
  expect(actions).toEqual([
    'update-shard-count',
    ...['split', 'wait-for-active', 'split', 'wait-for-active', 'notify-stream'],
    ...['split', 'wait-for-active', 'notify-stream'],
    'done',
  ]);
  expect(notified.map((e) => [e.from, e.to, e.method])).toEqual([
    [2, 4, 'SplitShard'],
    [4, 5, 'SplitShard'],
  ]);
  const result = run.result(T0 + 20_000);
  expect(result.notes).toEqual([
    'the backend has no UpdateShardCount: made the equivalent SplitShard/MergeShards calls',
  ]);
  // The first step started with the UpdateShardCount call; its split calls are its reports.
  expect(result.steps[0]).toMatchObject({ startedAt: '2026-12-01T10:00:01.000Z', from: 2, to: 4 });
  expect(result.steps[0]!.calls.map((c) => c.call.op)).toEqual(['SplitShard', 'SplitShard']);
  expect(model.open).toHaveLength(5);
});

test('method "UpdateShardCount" on a backend without it is refused; "SplitMerge" never asks for it', () => {
  const refused = drive(
    new StreamModel(2),
    { request: { kind: 'count', targetShardCount: 4 }, method: 'UpdateShardCount' },
    { updateShardCount: false },
  );
  expect(refused.refusal).toMatch(/no UpdateShardCount: reshard with method "auto" or "SplitMerge"/);
  const merged = drive(
    new StreamModel(4),
    { request: { kind: 'count', targetShardCount: 2 }, method: 'SplitMerge' },
    { updateShardCount: true },
  );
  expect(merged.actions).toEqual([
    'merge',
    'wait-for-active',
    'merge',
    'wait-for-active',
    'notify-stream',
    'done',
  ]);
  expect(merged.notified[0]).toMatchObject({ from: 4, to: 2, method: 'MergeShards', kind: 'count' });
});

test('a merge names the lower hash range first, whatever order the request gives', () => {
  const model = new StreamModel(2);
  const [low, high] = model.open.map((s) => s.shardId) as [string, string];
  const run = new ReshardRun(
    upgradeReshardInput({ streamName: 'orders', request: { kind: 'merge', shardIds: [high, low] } }),
    T0,
  );
  expect(
    run.check(model.shape('orders'), { entries: [], streamWorkflowFound: true }, T0, STREAM_ID),
  ).toBeNull();
  expect(run.next(T0)).toEqual({ kind: 'merge', args: { shardId: low, adjacentShardId: high } });
  expect(run.next(T0)).toEqual({ kind: 'wait-for-active', args: { closedShardIds: [low, high] } });
  expect(run.progress.phase).toBe('waiting-for-active');
});

test('a limit refuses before any call; nothing is planned', () => {
  const { refusal, actions, run } = drive(
    new StreamModel(2),
    { request: { kind: 'count', targetShardCount: 8 } },
    { updateShardCount: true },
  );
  expect(refusal).toMatch(/needs 2 calls \(2 → 4 → 8\)/);
  expect(actions).toEqual([]);
  expect(run.progress).toMatchObject({ phase: 'validating', from: null, plannedSteps: [] });
});

test('no stream workflow: nothing to tell, and the report says the 24 h budget was not checked', () => {
  const { run, actions } = drive(
    new StreamModel(2),
    { request: { kind: 'split', shardId: 'shardId-000000000000' } },
    { updateShardCount: true, streamWorkflow: false },
  );
  expect(actions).toEqual(['split', 'wait-for-active', 'done']);
  const result = run.result(T0);
  expect(result.streamWorkflowNotified).toBe(false);
  expect(result.notes[0]).toMatch(/^no stream workflow ksp:orders: nothing consumes this stream/);
  expect(result.steps[0]).toMatchObject({ from: 2, to: 3, method: 'SplitShard' });
});

test('a signal the stream workflow does not get is reported with the fix', () => {
  const { run } = drive(
    new StreamModel(2),
    { request: { kind: 'count', targetShardCount: 3 } },
    { updateShardCount: true, signalFails: true },
  );
  const result = run.result(T0);
  expect(result.streamWorkflowNotified).toBe(false);
  expect(result.notes).toEqual(['could not tell ksp:orders (no such workflow): send it `rediscover`']);
});

test('nothing to do: done at once, not reported as notified', () => {
  const { run, actions } = drive(
    new StreamModel(3),
    { request: { kind: 'count', targetShardCount: 3 } },
    { updateShardCount: true },
  );
  expect(actions).toEqual(['done']);
  expect(run.result(T0).streamWorkflowNotified).toBe(false);
});

describe('the stored input', () => {
  test('fields added over time are upgraded once to their defaults', () => {
    expect(
      upgradeReshardInput({ streamName: 'orders', request: { kind: 'count', targetShardCount: 2 } }),
    ).toEqual({
      streamName: 'orders',
      request: { kind: 'count', targetShardCount: 2 },
      method: 'auto',
      maxShards: DEFAULT_MAX_SHARDS,
      requestedBy: null,
    });
  });

  test.each<[string, unknown, RegExp]>([
    ['no input', null, /the reshard input null is not an object with streamName and request/],
    [
      'no stream',
      { request: { kind: 'count', targetShardCount: 2 } },
      /streamName undefined is not a stream name/,
    ],
    ['no request', { streamName: 's' }, /request undefined is not an object: e\.g\. \{"kind":"count"/],
    [
      'unknown kind',
      { streamName: 's', request: { kind: 'grow' } },
      /request.kind "grow" is not "count", "split" or "merge"/,
    ],
    [
      'count as text',
      { streamName: 's', request: { kind: 'count', targetShardCount: '4' } },
      /targetShardCount "4" is not a number/,
    ],
    [
      'steps flag',
      { streamName: 's', request: { kind: 'count', targetShardCount: 4, allowMultipleSteps: 'yes' } },
      /allowMultipleSteps "yes"/,
    ],
    [
      'split shard',
      { streamName: 's', request: { kind: 'split', shardId: 7 } },
      /request.shardId 7 is not a shard ID/,
    ],
    [
      'split key',
      { streamName: 's', request: { kind: 'split', shardId: 'a', newStartingHashKey: 12 } },
      /newStartingHashKey 12 is not a decimal string/,
    ],
    [
      'merge one',
      { streamName: 's', request: { kind: 'merge', shardIds: ['a'] } },
      /request.shardIds \["a"\] is not two shard IDs/,
    ],
    [
      'method',
      { streamName: 's', request: { kind: 'count', targetShardCount: 4 }, method: 'fast' },
      /method "fast" is not one of auto, UpdateShardCount, SplitMerge/,
    ],
    [
      'maxShards',
      { streamName: 's', request: { kind: 'count', targetShardCount: 4 }, maxShards: 0 },
      /maxShards 0 is not a whole number of at least 1/,
    ],
    [
      'requestedBy',
      { streamName: 's', request: { kind: 'count', targetShardCount: 4 }, requestedBy: {} },
      /requestedBy \{\} is not a string/,
    ],
  ])('%s is refused with a message naming the field', (_name, input, message) => {
    expect(reshardInputProblem(input)).toMatch(message);
  });

  test('every well-formed request passes', () => {
    for (const request of [
      { kind: 'count', targetShardCount: 4, allowMultipleSteps: true },
      { kind: 'split', shardId: 'shardId-000000000000', newStartingHashKey: '12' },
      { kind: 'merge', shardIds: ['a', 'b'] },
    ]) {
      expect(
        reshardInputProblem({
          streamName: 's',
          request,
          method: 'SplitMerge',
          maxShards: 9,
          requestedBy: 'cli',
        }),
      ).toBeNull();
    }
  });
});
