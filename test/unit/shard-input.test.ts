/**
 * Shard workflow inputs written by older releases upgrade once to the current shape. The first
 * stored input below is the one in test/fixtures/histories/shard-workflow-v1.binpb.
 */
import { type ShardWorkflowInput, upgradeShardInput } from '../../src/workflows/shard-input';
import { initialShardState } from '../../src/workflows/shard-state';
import { testOptions } from '../helpers/fake-batches';
import { FIRST_RELEASE_OPTIONS } from '../helpers/stored-inputs';

const FIRST_RELEASE: ShardWorkflowInput = {
  streamName: 'orders',
  shardId: 'shardId-000000000000',
  streamWorkflowId: null,
  options: FIRST_RELEASE_OPTIONS,
  startPosition: { type: 'TRIM_HORIZON' },
};

test('a first-release input gets every later field with the behaviour it had', () => {
  const upgraded = upgradeShardInput(FIRST_RELEASE);
  expect(upgraded.options).toMatchObject({
    maxBatchingWindowMs: 0,
    maximumRecordAgeMs: null,
    bisectBatchOnError: false,
    retry: { nonRetryableErrorTypes: [] },
  });
  expect(upgraded.state).toBeNull();
});

test('a state carried from before bisecting existed is not bisecting', () => {
  const { bisect: _dropped, ...stateBeforeBisect } = initialShardState({ sequenceNumber: '1' });
  const upgraded = upgradeShardInput({ ...FIRST_RELEASE, state: stateBeforeBisect });
  expect(upgraded.state).toEqual({ ...stateBeforeBisect, bisect: null });
});

test('a current input comes back equal', () => {
  const state = { ...initialShardState(), bisect: { limit: 2, remaining: 4 } };
  const current = { ...FIRST_RELEASE, options: testOptions({ bisectBatchOnError: true }), state };
  expect(upgradeShardInput(current)).toEqual(current);
});
