/**
 * Workflow inputs, raw (the --config JSON) or compiled (continue-as-new, older releases): how they
 * are told apart, and that compiling any JSON either succeeds or names a field — never another
 * exception, which would fail the workflow task forever instead of the run.
 */
import fc from 'fast-check';
import { compileAutoscaleOptions } from '../../src/config/autoscale-options';
import {
  COMPILED_INPUT_VERSION,
  inputForm,
  inputOptions,
  isCompiledOptions,
} from '../../src/config/raw-input';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import { compileStreamOptions } from '../../src/config/stream-options';
import { ConfigError } from '../../src/errors';
import { AUTOSCALE_INPUT, compileAutoscaleInput } from '../../src/workflows/autoscale-input';
import { REPLAY_INPUT, compileReplayInput } from '../../src/workflows/dlq-replay-input';
import { STREAM_INPUT, compileStreamInput } from '../../src/workflows/stream-input';

const NOW = new Date('2026-12-01T12:00:00Z');
const DLQ = 'http://127.0.0.1:1/000000000000/orders-dlq';
const SHAPE = { what: 'a stream workflow input', compiledKey: 'maxPollWaitMs', extraKeys: [], example: '{}' };

describe('inputForm tells raw from compiled', () => {
  const compiled = compileStreamOptions({ streamName: 'orders', dlqQueueUrl: DLQ });
  test.each<[string, unknown, 'raw' | 'compiled']>([
    ['marked compiled', { compiled: COMPILED_INPUT_VERSION, options: {} }, 'compiled'],
    ['a continued run', { options: {}, state: {} }, 'compiled'],
    ['compiled options stored before the marker', { options: compiled }, 'compiled'],
    ['wrapped user options', { options: { streamName: 'orders', maxPollWait: '5m' } }, 'raw'],
    ['bare user options', { streamName: 'orders', maxPollWait: '5m' }, 'raw'],
  ])('%s', (_name, input, form) => {
    expect(inputForm(input, SHAPE).form).toBe(form);
  });
});

test('clients tell compiled options by the key each workflow reads them by; options of wrapped and bare inputs', () => {
  const cases: Array<[string, object, object]> = [
    [
      STREAM_INPUT.compiledKey,
      { streamName: 'orders', dlqQueueUrl: DLQ },
      compileStreamOptions({ streamName: 'orders', dlqQueueUrl: DLQ }),
    ],
    [REPLAY_INPUT.compiledKey, { queueUrl: DLQ }, compileDlqReplayOptions({ queueUrl: DLQ })],
    [
      AUTOSCALE_INPUT.compiledKey,
      { streamName: 'orders', maxShards: 8 },
      compileAutoscaleOptions({ streamName: 'orders', maxShards: 8 }),
    ],
  ];
  for (const [key, raw, compiled] of cases) {
    expect([key, isCompiledOptions(raw, key), isCompiledOptions(compiled, key)]).toEqual([key, false, true]);
  }
  const options = { streamName: 'orders' };
  expect(inputOptions({ options })).toBe(options);
  expect(inputOptions(options)).toBe(options);
});

test('a raw stream input compiles to what ksp start compiles, with the marker for the next run', () => {
  const options = { streamName: 'orders', dlqQueueUrl: DLQ, retry: { maximumInterval: '2m' } };
  expect(compileStreamInput({ options, rediscoverInterval: '1m' }, NOW)).toEqual({
    compiled: COMPILED_INPUT_VERSION,
    options: compileStreamOptions(options, NOW),
    rediscoverIntervalMs: 60_000,
    state: null,
  });
});

test('a raw start position in the future is refused at workflow time, naming the field', () => {
  const options = {
    streamName: 'orders',
    dlqQueueUrl: DLQ,
    startPosition: { type: 'AT_TIMESTAMP', timestamp: '2026-12-02T00:00:00Z' },
  };
  expect(() => compileStreamInput({ options }, NOW)).toThrow(
    new ConfigError(
      'options.startPosition.timestamp',
      '2026-12-02T00:00:00.000Z is in the future: Kinesis rejects it',
    ),
  );
});

test('raw autoscale and replay inputs compile as their ksp commands do', () => {
  const autoscale = { streamName: 'orders', maxShards: 8, cooldown: '10m' };
  expect(compileAutoscaleInput({ options: autoscale })).toMatchObject({
    options: compileAutoscaleOptions(autoscale),
    state: { run: 1 },
  });
  const replay = { queueUrl: DLQ, maxTries: 5, filters: { since: '2026-11-30T00:00:00Z' } };
  expect(compileReplayInput({ options: replay }, NOW.toISOString())).toMatchObject({
    options: compileDlqReplayOptions(replay),
    state: { run: 1, startedAt: NOW.toISOString() },
  });
  expect(compileReplayInput({ options: { ...replay, holdFor: 60 } }, NOW.toISOString())).toEqual({
    problem:
      'options.holdFor: 60 is a bare number: in a workflow input a duration is a string with a unit, e.g. "60s" or "60ms"',
  });
});

test('any JSON input compiles or names a field; nothing else is thrown', () => {
  const options = fc.dictionary(
    fc.constantFrom(
      'streamName',
      'dlqQueueUrl',
      'retry',
      'startPosition',
      'batchSize',
      'maxPollWait',
      'filterCriteria',
      'maxShards',
      'queueUrl',
      'filters',
    ),
    fc.jsonValue(),
  );
  const input = fc.oneof(fc.jsonValue(), options, fc.record({ options }));
  fc.assert(
    fc.property(input, (raw) => {
      try {
        compileStreamInput(raw, NOW);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
      }
      const autoscale = compileAutoscaleInput(raw);
      const replay = compileReplayInput(raw, NOW.toISOString());
      for (const result of [autoscale, replay]) {
        if ('problem' in result) expect(typeof result.problem).toBe('string');
      }
    }),
    { numRuns: 2_000 },
  );
});

test('a hand-written state is refused, never turned into a NaN run count', () => {
  const autoscale = { options: compileAutoscaleOptions({ streamName: 'orders', maxShards: 8 }), state: 5 };
  const replay = { options: compileDlqReplayOptions({ queueUrl: DLQ }), state: { counts: {} } };
  expect(compileAutoscaleInput(autoscale)).toEqual({
    problem: 'state 5 is not a continued run\'s state: remove "state" to start afresh',
  });
  expect(compileReplayInput(replay, NOW.toISOString())).toEqual({
    problem: 'state {"counts":{}} is not a continued run\'s state: remove "state" to start afresh',
  });
});
