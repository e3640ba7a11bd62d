/**
 * `ksp status` rendering: the usual table, and no crash on what an old history may answer with
 * (a pause reason that is not a string, counters missing, a huge error message).
 */
import fc from 'fast-check';
import { MAX_CELL_CHARS, cellText, formatStreamStatus } from '../../src/cli/render-status';
import type { StreamStatus } from '../../src/workflows/stream-messages';
import { shardStatus } from '../helpers/stream-fixtures';

const shard = shardStatus({ millisBehindLatest: 1500, deadLettered: 1, bytes: 100 });

function stream(shards: unknown[]): StreamStatus {
  return {
    streamName: 'orders',
    state: 'running',
    shards: shards as StreamStatus['shards'],
    totals: { handled: 10, deadLettered: 1, maxMillisBehindLatest: 1500 },
    discoveredAt: null,
    run: 2,
  };
}

test('the table: one row per shard, a note only when paused or retrying', () => {
  const retrying = {
    ...shard,
    shardId: 'shardId-000000000001',
    attempt: 3,
    lastError: { type: 'TypeError', message: 'boom', at: 'now' },
  };
  const waiting = { shardId: 'shardId-000000000002', state: 'waiting-for-parents', parentShardIds: [] };
  expect(formatStreamStatus(stream([shard, retrying, waiting])).split('\n')).toEqual([
    'stream orders: running (run 2), handled 10, dead-lettered 1, max lag 1.5s',
    'SHARD                 STATE                CHECKPOINT     HANDLED  DLQ  LAG   ATTEMPT  NOTE',
    'shardId-000000000000  running              …000000000010  10       1    1.5s  1',
    'shardId-000000000001  running              …000000000010  10       1    1.5s  3        TypeError: boom',
    'shardId-000000000002  waiting-for-parents  -              0        0    -     -',
  ]);
});

test('a pause reason from an old history that is not a string is shown, not a crash', () => {
  const odd = { ...shard, state: 'paused', pauseReason: { a: 1 } };
  expect(formatStreamStatus(stream([odd])).split('\n')[2]).toMatch(/paused .* \{"a":1\}$/);
});

test('a huge error message is cut to one terminal-sized cell', () => {
  const huge = {
    ...shard,
    attempt: 2,
    lastError: { type: 'Error', message: 'x\n'.repeat(1_000_000), at: 'now' },
  };
  const row = formatStreamStatus(stream([huge])).split('\n')[2]!;
  expect(row.length).toBeLessThan(MAX_CELL_CHARS + 100);
  expect(row.endsWith('…')).toBe(true);
});

test('cells: strings as they are, other values as JSON, nothing as a dash', () => {
  expect(cellText('a  b\nc')).toBe('a b c');
  expect(cellText(3)).toBe('3');
  expect(cellText(null)).toBe('-');
  expect(cellText(undefined, '')).toBe('');
  expect(cellText([1, 'x'])).toBe('[1,"x"]');
});

test('any JSON for a status or a shard renders without throwing', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      expect(typeof formatStreamStatus(value as unknown as StreamStatus)).toBe('string');
    }),
  );
  const shardKeys = Object.keys(shard);
  fc.assert(
    fc.property(fc.constantFrom(...shardKeys), fc.jsonValue(), fc.jsonValue(), (key, value, totals) => {
      const status = { ...stream([{ ...shard, [key]: value }, value]), totals } as unknown as StreamStatus;
      expect(typeof formatStreamStatus(status)).toBe('string');
    }),
  );
});
