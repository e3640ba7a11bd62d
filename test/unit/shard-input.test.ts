/**
 * Shard workflow inputs written by older releases upgrade once to the current shape. The first
 * stored input below is the one in test/fixtures/histories/shard-workflow-v1.binpb.
 */
import fc from 'fast-check';
import {
  type ShardWorkflowInput,
  shardInputProblem,
  upgradeShardInput,
} from '../../src/workflows/shard-input';
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

describe('shardInputProblem', () => {
  const valid = { ...FIRST_RELEASE, state: initialShardState({ sequenceNumber: '1' }) };

  test('inputs of every release, with or without a state, are fine', () => {
    expect(shardInputProblem(FIRST_RELEASE)).toBeNull();
    expect(shardInputProblem(valid)).toBeNull();
    expect(
      shardInputProblem({ ...FIRST_RELEASE, options: testOptions({ bisectBatchOnError: true }) }),
    ).toBeNull();
  });

  test.each([
    ['no input', null, 'input is null: expected an object'],
    ['no shard', { ...FIRST_RELEASE, shardId: undefined }, 'input.shardId is missing: expected a shard ID'],
    ['options as text', { ...FIRST_RELEASE, options: 'fast' }, 'input.options is "fast": expected an object'],
    [
      'a batch size as text',
      { ...FIRST_RELEASE, options: { ...FIRST_RELEASE.options, batchSize: '100' } },
      'input.options.batchSize is "100": expected a number ≥ 0',
    ],
    [
      'no retry policy',
      { ...FIRST_RELEASE, options: { ...FIRST_RELEASE.options, retry: undefined } },
      'input.options.retry is missing',
    ],
    [
      'error types that are not names',
      {
        ...FIRST_RELEASE,
        options: {
          ...FIRST_RELEASE.options,
          retry: { ...FIRST_RELEASE.options.retry, nonRetryableErrorTypes: [1] },
        },
      },
      'input.options.retry.nonRetryableErrorTypes is [1]',
    ],
    [
      'a numeric checkpoint',
      { ...valid, state: { ...valid.state, checkpoint: 42 } },
      'input.state.checkpoint is 42: expected null or {"sequenceNumber": "<digits>"}',
    ],
    ['a state that is a list', { ...valid, state: [] }, 'input.state is []: expected absent'],
  ])('%s is named in the message', (_name, value, message) => {
    expect(shardInputProblem(value)).toContain(message);
  });

  test('a long value is quoted, not copied', () => {
    const problem = shardInputProblem({ ...FIRST_RELEASE, shardId: 7, streamName: 'x'.repeat(1_000_000) });
    expect(problem).toBe('input.shardId is 7: expected a shard ID such as "shardId-000000000000"');
    expect(shardInputProblem({ ...FIRST_RELEASE, options: 'y'.repeat(1_000_000) })?.length).toBeLessThan(200);
  });

  test('any JSON gives null or a message, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const problem = shardInputProblem(value);
        expect(problem === null || problem.length < 400).toBe(true);
      }),
    );
  });

  test('a mutated valid input gives null or a message, never a throw', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('streamName', 'shardId', 'options', 'startPosition', 'state'),
        fc.constantFrom(...Object.keys(FIRST_RELEASE.options), ...Object.keys(valid.state)),
        fc.jsonValue(),
        (top, inner, junk) => {
          const mutated = JSON.parse(JSON.stringify(valid)) as Record<string, unknown>;
          if (typeof mutated[top] === 'object' && mutated[top] !== null) {
            (mutated[top] as Record<string, unknown>)[inner] = junk;
          } else mutated[top] = junk;
          const problem = shardInputProblem(mutated);
          if (problem === null)
            expect(() => upgradeShardInput(mutated as unknown as ShardWorkflowInput)).not.toThrow();
        },
      ),
    );
  });
});
