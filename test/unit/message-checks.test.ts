/**
 * The payload validator of the messages that take none (stop signals, progress and status
 * queries): what the Temporal CLI sends for "no input" passes, anything else is named and refused.
 */
import fc from 'fast-check';
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
