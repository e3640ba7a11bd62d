/**
 * The shard workflow's signal validators: whatever a client sends by signal name, they answer
 * with a bounded, typed value and never throw (DESIGN.md rule 10).
 */
import fc from 'fast-check';
import {
  DEFAULT_PAUSE_REASON,
  MAX_PAUSE_REASON_LENGTH,
  checkNoPayload,
  checkPauseInput,
} from '../../src/workflows/shard-messages';

describe('checkPauseInput', () => {
  test.each([
    ['no payload', [], 'paused by operator'],
    ['null (`temporal workflow signal --input null`)', [null], 'paused by operator'],
    ['an empty object', [{}], 'paused by operator'],
    ['a reason', [{ reason: 'maintenance' }], 'maintenance'],
  ])('%s is fine', (_name, args, reason) => {
    expect(checkPauseInput(args)).toEqual({ reason, problem: null });
  });

  test.each([
    ['a reason that is an object', [{ reason: { a: 1 } }], /"reason" is an object with keys \[a\]/],
    ['a reason that is a number', [{ reason: 42 }], /"reason" is number 42/],
    ['a string payload', ['maintenance'], /payload is a string of 11 character\(s\)/],
    ['an array payload', [[1, 2]], /payload is an array of 2 item\(s\)/],
    ['a number payload', [7], /payload is number 7/],
  ])('%s pauses with the default reason and says why', (_name, args, problem) => {
    const checked = checkPauseInput(args);
    expect(checked.reason).toBe(DEFAULT_PAUSE_REASON);
    expect(checked.problem).toMatch(problem);
    expect(checked.problem).toMatch(/expected no payload or \{"reason": "<text>"\}/);
  });

  test('a 1 MB reason is cut to the bound, and the log line stays short', () => {
    const checked = checkPauseInput([{ reason: 'y'.repeat(1_000_000) }]);
    expect(checked.reason).toHaveLength(MAX_PAUSE_REASON_LENGTH);
    expect(checked.reason.endsWith('…')).toBe(true);
    expect(checked.problem).toBe(`"reason" has 1000000 characters: cut to ${MAX_PAUSE_REASON_LENGTH}`);
  });

  test('a 1 MB string payload is described, never quoted whole', () => {
    const checked = checkPauseInput(['z'.repeat(1_000_000)]);
    expect(checked.reason).toBe(DEFAULT_PAUSE_REASON);
    expect(checked.problem?.length).toBeLessThan(300);
  });

  test('a reason is kept on one line', () => {
    expect(checkPauseInput([{ reason: 'disk\nfull\t\u0007now' }]).reason).toBe('disk full now');
  });

  test('extra arguments are ignored and reported', () => {
    expect(checkPauseInput([{ reason: 'x' }, 'extra'])).toEqual({
      reason: 'x',
      problem: 'ignored 1 extra argument(s)',
    });
  });

  test('any JSON arguments give a bounded one-line string reason and never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.record({ reason: fc.jsonValue() }))), (args) => {
        const { reason, problem } = checkPauseInput(args);
        expect(typeof reason).toBe('string');
        expect(reason.length).toBeLessThanOrEqual(MAX_PAUSE_REASON_LENGTH);
        expect(reason).not.toMatch(/[\u0000-\u001f]/);
        expect(problem === null || problem.length < 1_000).toBe(true);
      }),
    );
  });
});

describe('checkNoPayload', () => {
  test('no payload, or null, is fine', () => {
    expect(checkNoPayload([])).toBeNull();
    expect(checkNoPayload([null])).toBeNull();
  });

  test('a payload is ignored and described', () => {
    expect(checkNoPayload([{ now: true }])).toBe('takes no payload; ignored an object with keys [now]');
  });

  test('any JSON arguments never throw and give a short description', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 5 }), (args) => {
        const problem = checkNoPayload(args);
        expect(problem === null || problem.length < 1_000).toBe(true);
      }),
    );
  });
});
