/**
 * The stream workflow's signal validators (DESIGN.md rule 10): valid payloads come back typed and
 * bounded; anything else comes back as a problem naming the field and what was sent, never thrown.
 */
import fc from 'fast-check';
import {
  MAX_ERROR_MESSAGE_CHARS,
  MAX_REASON_CHARS,
  parseLedgerEntry,
  parsePause,
  parseShardEnded,
  parseShardStatus,
} from '../../src/workflows/stream-payloads';
import type { ShardStatus } from '../../src/workflows/shard-messages';
import { ledgerEntry, shardStatus } from '../helpers/stream-fixtures';

const status = shardStatus({
  lastArrival: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:01.000Z',
});
const entry = ledgerEntry({ from: 2, to: 4 });

function problem(parsed: { ok: boolean; problem?: string }): string | undefined {
  return parsed.ok ? undefined : parsed.problem;
}

describe('shardProgress', () => {
  test('a valid report comes back as it was sent', () => {
    expect(parseShardStatus(status)).toEqual({ ok: true, value: status });
    const kpl = { ...status, checkpoint: { sequenceNumber: '12', subSequenceNumber: 3 } };
    expect(parseShardStatus(kpl)).toEqual({ ok: true, value: kpl });
  });

  test.each<[string, unknown, string]>([
    ['null', null, 'the report must be an object, got null'],
    ['a list', [status], 'the report must be an object'],
    [
      'an unknown state',
      { ...status, state: 'exploded' },
      '`state` must be one of waiting-for-parents, running, paused, stopped, finished, got "exploded"',
    ],
    ['a count as text', { ...status, handled: 'many' }, '`handled` must be a whole number ≥ 0, got "many"'],
    ['a negative count', { ...status, bytes: -1 }, '`bytes`'],
    [
      'a checkpoint that is not a sequence number',
      { ...status, checkpoint: 'x' },
      '`checkpoint` must be an object',
    ],
    [
      'a sequence number with letters',
      { ...status, checkpoint: { sequenceNumber: '12a' } },
      '`checkpoint.sequenceNumber` must be decimal digits',
    ],
    ['no shard ID', { ...status, shardId: undefined }, '`shardId` must be a non-empty string'],
    [
      'an error without a message',
      { ...status, lastError: { type: 'Error', at: 'now' } },
      '`lastError` must have a string `type` and `message`',
    ],
    [
      'a pause reason that is an object',
      { ...status, pauseReason: { a: 1 } },
      '`pauseReason` must be a string, got {"a":1}',
    ],
  ])('%s is a problem, not an exception', (_name, payload, expected) => {
    expect(problem(parseShardStatus(payload))).toContain(expected);
  });

  test('free text is capped: an error message of megabytes is stored as 2048 characters', () => {
    const huge = {
      ...status,
      attempt: 2,
      lastError: { type: 'E'.repeat(1000), message: 'x'.repeat(3_000_000), at: 'now' },
    };
    const parsed = parseShardStatus(huge);
    if (!parsed.ok) throw new Error(parsed.problem);
    expect(parsed.value.lastError?.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(parsed.value.lastError?.message.endsWith('x…')).toBe(true);
    expect(parsed.value.lastError?.type.length).toBeLessThanOrEqual(256);
    expect(JSON.stringify(parsed.value).length).toBeLessThan(4_000);
  });

  test('fields the report does not define are not stored', () => {
    const parsed = parseShardStatus({ ...status, records: ['secret'] });
    expect(parsed.ok && 'records' in parsed.value).toBe(false);
  });

  test('a problem quotes what was sent, cut short', () => {
    expect(problem(parseShardStatus({ ...status, state: 's'.repeat(500) }))!.length).toBeLessThan(200);
  });
});

describe('shardEnded', () => {
  const ended = { shardId: status.shardId, checkpoint: null, childShardIds: ['shardId-000000000001'] };

  test('valid reports, with and without final counters (older workers send none)', () => {
    expect(parseShardEnded(ended)).toEqual({ ok: true, value: ended });
    expect(parseShardEnded({ ...ended, childShardIds: null })).toEqual({
      ok: true,
      value: { ...ended, childShardIds: null },
    });
    const final = { ...ended, status: { ...status, state: 'finished' } };
    expect(parseShardEnded(final)).toEqual({ ok: true, value: final });
  });

  test.each<[string, unknown, string]>([
    ['null', null, 'the report must be an object'],
    ['children as text', { ...ended, childShardIds: 'abc' }, '`childShardIds` must be null or a list'],
    [
      'a child that is not an ID',
      { ...ended, childShardIds: [7] },
      '`childShardIds` must be a non-empty string',
    ],
    [
      'a flood of children',
      { ...ended, childShardIds: Array.from({ length: 17 }, (_, i) => `c${i}`) },
      'at most 16',
    ],
    ['bad final counters', { ...ended, status: null }, 'the report must be an object, got null'],
  ])('%s is a problem', (_name, payload, expected) => {
    expect(problem(parseShardEnded(payload))).toContain(expected);
  });
});

describe('reshardCompleted', () => {
  test('a valid entry comes back as it was sent', () => {
    expect(parseLedgerEntry(entry)).toEqual({ ok: true, value: entry });
  });

  test.each<[string, unknown, string]>([
    ['null (it must never reach the ledger)', null, 'the entry must be an object, got null'],
    ['a time that is not one', { ...entry, at: 'soon' }, '`at` must be an ISO-8601 time, got "soon"'],
    ['an unknown kind', { ...entry, kind: 'double' }, '`kind` must be one of count, split, merge'],
    ['an unknown method', { ...entry, method: 'Magic' }, '`method` must be one of'],
    ['a shard count as text', { ...entry, to: '4' }, '`to` must be a whole number'],
  ])('%s is a problem', (_name, payload, expected) => {
    expect(problem(parseLedgerEntry(payload))).toContain(expected);
  });
});

describe('pause', () => {
  test('nothing, null, an empty object or a string reason', () => {
    expect(parsePause(undefined)).toEqual({ ok: true, value: {} });
    expect(parsePause(null)).toEqual({ ok: true, value: {} });
    expect(parsePause({})).toEqual({ ok: true, value: {} });
    expect(parsePause({ reason: 'deploy' })).toEqual({ ok: true, value: { reason: 'deploy' } });
  });

  test('a reason that is not a string, or an input that is not an object, is a problem', () => {
    expect(problem(parsePause({ reason: { a: 1 } }))).toBe('`reason` must be a string, got {"a":1}');
    expect(problem(parsePause('deploy'))).toBe('the pause input must be an object, got "deploy"');
  });

  test('a long reason is capped', () => {
    const parsed = parsePause({ reason: 'r'.repeat(100_000) });
    expect(parsed.ok && parsed.value.reason?.length).toBe(MAX_REASON_CHARS);
  });
});

describe('no input makes a validator throw, and what passes is bounded', () => {
  const validators = { parseShardStatus, parseShardEnded, parseLedgerEntry, parsePause };

  test.each(Object.entries(validators))('%s on any JSON value', (_name, parse) => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const parsed = parse(value);
        expect(typeof parsed.ok).toBe('boolean');
        if (!parsed.ok) expect(parsed.problem.length).toBeLessThan(300);
      }),
    );
  });

  test('valid reports with any field replaced by any JSON value: typed or refused, bounded when typed', () => {
    const keys = Object.keys(status) as Array<keyof ShardStatus>;
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const parsed = parseShardStatus({ ...status, [key]: value });
        if (!parsed.ok) return;
        expect(JSON.stringify(parsed.value).length).toBeLessThan(4_000);
        expect(typeof parsed.value.shardId).toBe('string');
        expect(Number.isSafeInteger(parsed.value.handled)).toBe(true);
      }),
    );
  });
});
