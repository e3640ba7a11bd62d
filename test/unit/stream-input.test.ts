/**
 * The stream workflow's one upgrade step: inputs stored by older versions (read from the recorded
 * histories themselves) come out in the current shape, and state that older code let bad signals
 * into is repaired before the run uses it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DEFAULT_REDISCOVER_MS } from '../../src/constants';
import { upgradeCompiledOptions } from '../../src/config/stored-options';
import {
  type StoredStreamState,
  type CompiledStreamWorkflowInput,
  checkStreamInput,
  upgradeStreamInput,
} from '../../src/workflows/stream-input';
import { MAX_ERROR_MESSAGE_CHARS } from '../../src/workflows/stream-payloads';
import { initialStreamState } from '../../src/workflows/stream-state';
import { testOptions } from '../helpers/fake-batches';
import { ledgerEntry, shardStatus } from '../helpers/stream-fixtures';

/** The input the first event of a recorded history carries. */
function recordedInput(file: string): CompiledStreamWorkflowInput {
  const bytes = readFileSync(path.join(__dirname, '..', 'fixtures', 'histories', file));
  const first = temporal.api.history.v1.History.decode(bytes).events?.[0];
  const payload = first?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  if (!payload) throw new Error(`${file} has no workflow input`);
  return JSON.parse(Buffer.from(payload).toString('utf8')) as CompiledStreamWorkflowInput;
}

test('options stored before the failure policy and the batching window get their defaults', () => {
  const stored = recordedInput('stream-workflow-v1.binpb');
  expect(stored.options).not.toHaveProperty('bisectBatchOnError');
  const { options, rediscoverIntervalMs, state } = upgradeStreamInput(stored);
  expect(options).toEqual({
    ...stored.options,
    retry: { ...stored.options.retry, nonRetryableErrorTypes: [] },
    maxBatchingWindowMs: 0,
    maximumRecordAgeMs: null,
    bisectBatchOnError: false,
    errorDetail: 'message',
    parallelization: 1,
    quarantineKeys: false,
    maxQuarantinedKeys: 100,
    // Options stored before owed records redelivered Lambda's way: they keep doing so.
    maxOwedRecords: 0,
    // Runs from before the consuming loop keep one batch per activity.
    busyPollIntervalMs: 400,
    maxActivityLifetimeMs: 0,
  });
  expect(rediscoverIntervalMs).toBe(60_000);
  expect(state).toBeNull();
});

test('options stored before the batching window keep what they had', () => {
  const stored = recordedInput('stream-workflow-parallel-v2.binpb');
  expect(stored.options).not.toHaveProperty('maxBatchingWindowMs');
  expect(upgradeStreamInput(stored).options).toEqual({
    ...stored.options,
    maxBatchingWindowMs: 0,
    errorDetail: 'message',
    parallelization: 1,
    quarantineKeys: false,
    maxQuarantinedKeys: 100,
    // Options stored before owed records redelivered Lambda's way: they keep doing so.
    maxOwedRecords: 0,
    busyPollIntervalMs: 400,
    maxActivityLifetimeMs: 0,
  });
});

test('current options pass unchanged; a missing rediscover interval is the default', () => {
  const options = testOptions({
    retry: { nonRetryableErrorTypes: ['ValidationError'] },
    maximumRecordAge: '1h',
  });
  expect(upgradeCompiledOptions(options)).toEqual(options);
  expect(upgradeStreamInput({ options })).toEqual({
    options,
    rediscoverIntervalMs: DEFAULT_REDISCOVER_MS,
    state: null,
  });
});

test('state carried by a run from before resharding gets an empty ledger and no awaited children', () => {
  const { reshards: _r, awaitedChildren: _a, ...before } = { ...initialStreamState(), run: 3 };
  const stored: StoredStreamState = before;
  expect(upgradeStreamInput({ options: testOptions(), state: stored }).state).toEqual({
    ...before,
    reshards: [],
    awaitedChildren: [],
  });
});

test('state that older code let bad signals into is repaired, not carried on', () => {
  const entry = ledgerEntry();
  const status = shardStatus({
    shardId: 's0',
    attempt: 2,
    lastError: { type: 'Error', message: 'x'.repeat(1_200_000), at: '2026-12-01T00:00:00.000Z' },
  });
  const stored: StoredStreamState = {
    ...initialStreamState(),
    paused: true,
    pauseReason: { a: 1 },
    reshards: [null, entry, { at: 'soon' }],
    shards: {
      s0: { shardId: 's0', parentShardIds: [], state: 'running', status },
      s1: { shardId: 's1', parentShardIds: [], state: 'running', status: 'garbage' as never },
    },
  };
  const state = upgradeStreamInput({ options: testOptions(), state: stored }).state!;
  expect(state.pauseReason).toBe('paused by operator');
  expect(state.reshards).toEqual([entry]);
  expect(state.shards.s0?.status?.lastError?.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
  expect(state.shards.s1).toEqual({ shardId: 's1', parentShardIds: [], state: 'running', status: null });
});

describe('a start input of the wrong shape is refused, naming the field', () => {
  test.each<[string, unknown, string]>([
    ['nothing', undefined, 'input: must be an object, got undefined'],
    ['no options', {}, 'options: must be an object, got undefined: start the stream with `ksp start`'],
    [
      'options not compiled',
      { options: { streamName: 'orders', maxPollWait: '5m' } },
      'options.batchSize: must be a number',
    ],
    [
      'a stream name that is not text',
      { options: { ...testOptions(), streamName: 7 } },
      'options.streamName: must be a string, got 7',
    ],
    [
      'no retry',
      { options: { ...testOptions(), retry: null } },
      'options.retry: must be an object, got null',
    ],
    [
      'a rediscover interval of zero',
      { options: testOptions(), rediscoverIntervalMs: 0 },
      'rediscoverIntervalMs: must be a positive number',
    ],
    [
      'state without shards',
      { options: testOptions(), state: { run: 1 } },
      'state.shards: must be an object',
    ],
  ])('%s', (_name, input, message) => {
    expect(() => checkStreamInput(input)).toThrow(message);
  });

  test('inputs every version stored pass', () => {
    for (const file of ['stream-workflow-v1.binpb', 'stream-workflow-parallel-v2.binpb']) {
      const stored = recordedInput(file);
      expect(checkStreamInput(stored)).toBe(stored);
    }
  });
});
