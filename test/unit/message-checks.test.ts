/**
 * The payload validator of the messages that take none (stop signals, progress and status
 * queries): what the Temporal CLI sends for "no input" passes, anything else is named and refused.
 */
import fc from 'fast-check';
import { compileAutoscaleOptions } from '../../src/config/autoscale-options';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import { autoscaleInputProblem } from '../../src/workflows/autoscaler';
import { replayInputProblem } from '../../src/workflows/dlq-replay-state';
import { noPayloadProblem } from '../../src/workflows/message-checks';

test.each<[string, unknown[]]>([
  ['nothing', []],
  ['null', [null]],
  ['an empty object', [{}]],
])('%s is no payload', (_name, args) => {
  expect(noPayloadProblem('stop', args)).toBeNull();
});

test.each<[string, unknown[], string]>([
  ['a string', ['now'], '`stop` takes no input, got "now": send it without --input'],
  ['an object', [{ force: true }], '`stop` takes no input, got {"force":true}: send it without --input'],
  ['a number and more', [null, 3, [1]], '`stop` takes no input, got 3, [1]: send it without --input'],
])('%s is refused, quoted in the message', (_name, args, message) => {
  expect(noPayloadProblem('stop', args)).toBe(message);
});

test('a huge payload is quoted in at most 200 characters', () => {
  const problem = noPayloadProblem('progress', ['x'.repeat(1_000_000)]);
  expect(problem).toMatch(/^`progress` takes no input, got "x{199}…: send it without --input$/);
});

test('any JSON value: never throws, and refuses exactly what is not "nothing"', () => {
  fc.assert(
    fc.property(fc.array(fc.jsonValue(), { maxLength: 3 }), (args) => {
      const empty = args.every(
        (a) => a === null || (typeof a === 'object' && !Array.isArray(a) && Object.keys(a).length === 0),
      );
      expect(noPayloadProblem('stop', args) === null).toBe(empty);
    }),
  );
});

describe('workflow inputs that must arrive compiled', () => {
  const autoscale = { options: compileAutoscaleOptions({ streamName: 'orders', maxShards: 8 }) };
  const replay = { options: compileDlqReplayOptions({ queueUrl: 'http://127.0.0.1:1/000000000000/dlq' }) };

  test('what ksp compiles passes', () => {
    expect(autoscaleInputProblem(autoscale)).toBeNull();
    expect(replayInputProblem(replay)).toBeNull();
  });

  test.each<[string, unknown, string]>([
    ['no input', null, 'options undefined is not an object'],
    [
      'raw options',
      { options: { streamName: 'orders', cooldown: '5m' } },
      'options.minShards is missing, not number',
    ],
    [
      'a duration as text',
      { options: { ...autoscale.options, cooldownMs: '5m' } },
      'options.cooldownMs is "5m", not number',
    ],
    [
      'NaN',
      { options: { ...autoscale.options, maxLagMs: Number.NaN } },
      'options.maxLagMs is NaN, not number or null',
    ],
  ])('autoscale, %s: refused naming the field and the fix', (_name, input, problem) => {
    expect(autoscaleInputProblem(input)).toBe(
      `${problem}: start autoscaling with \`ksp autoscale\`, which compiles the options (durations in ms, every field present)`,
    );
  });

  test.each<[string, unknown, string]>([
    ['a queue only', { options: { queueUrl: 'http://q' } }, 'options.mode is missing, not string'],
    [
      'filters of numbers',
      { options: { ...replay.options, filters: { ...replay.options.filters, shardIds: [1] } } },
      'options.filters.shardIds is [1], not string[]',
    ],
    [
      'filters missing',
      { options: { ...replay.options, filters: undefined } },
      'options.filters is missing, not object',
    ],
  ])('DLQ replay, %s: refused naming the field and the fix', (_name, input, problem) => {
    expect(replayInputProblem(input)).toBe(
      `${problem}: start the replay with \`ksp dlq replay\`, which compiles the options (durations in ms, every field present)`,
    );
  });

  test('any JSON input: never throws', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (options, other) => {
        expect(() => autoscaleInputProblem({ options })).not.toThrow();
        expect(() => replayInputProblem({ options: { ...replay.options, filters: other } })).not.toThrow();
        expect(() => replayInputProblem(options)).not.toThrow();
      }),
    );
  });
});
