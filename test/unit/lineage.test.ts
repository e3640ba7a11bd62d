/**
 * Lineage order and where shards start: children wait for every parent; a shard created by a
 * reshard while consuming starts at TRIM_HORIZON whatever the configured position, or records
 * written to it before its workflow starts would be skipped.
 */
import { type LineageEntry, startPositionFor, startableShards } from '../../src/workflows/lineage';

const entry = (
  shardId: string,
  state: LineageEntry['state'],
  parentShardIds: string[] = [],
  extra: Partial<LineageEntry> = {},
): LineageEntry => ({
  shardId,
  parentShardIds,
  state,
  ...extra,
});

function table(...entries: LineageEntry[]): Record<string, LineageEntry> {
  return Object.fromEntries(entries.map((e) => [e.shardId, e]));
}

test('a merge child waits for both parents; a parent aged out of retention does not hold it', () => {
  const shards = table(
    entry('a', 'finished'),
    entry('b', 'running'),
    entry('m', 'waiting-for-parents', ['a', 'b']),
    entry('c', 'waiting-for-parents', ['gone']),
  );
  expect(startableShards(shards)).toEqual(['c']);
  shards.b!.state = 'finished';
  expect(startableShards(shards)).toEqual(['c', 'm']);
});

describe('start position', () => {
  const latest = { type: 'LATEST' } as const;
  const at = { type: 'AT_TIMESTAMP', timestamp: '2026-11-26T08:00:00.000Z' } as const;

  test('shards present when consumption starts use the configured position', () => {
    const shards = table(entry('p', 'finished'), entry('c', 'waiting-for-parents', ['p']));
    expect(startPositionFor(shards, 'c', latest)).toEqual(latest);
    expect(startPositionFor(shards, 'p', at)).toEqual(at);
  });

  test('a shard created by a reshard while consuming starts at TRIM_HORIZON', () => {
    const shards = table(
      entry('p', 'finished'),
      entry('c', 'waiting-for-parents', ['p'], { createdWhileConsuming: true }),
    );
    expect(startPositionFor(shards, 'c', latest)).toEqual({ type: 'TRIM_HORIZON' });
    expect(startPositionFor(shards, 'c', at)).toEqual({ type: 'TRIM_HORIZON' });
  });

  test('a child of a parent ksp read records from starts at TRIM_HORIZON (restart after a stop)', () => {
    const shards = table(
      entry('p', 'finished', [], {
        endCheckpoint: { sequenceNumber: '49590000000000000000000000000000000000000000000000000001' },
      }),
      entry('q', 'finished', [], { endCheckpoint: null }),
      entry('c', 'waiting-for-parents', ['p']),
      entry('d', 'waiting-for-parents', ['q']),
    );
    expect(startPositionFor(shards, 'c', latest)).toEqual({ type: 'TRIM_HORIZON' });
    expect(startPositionFor(shards, 'd', latest)).toEqual(latest);
  });

  test('per-shard sequence numbers still apply to the shards they name', () => {
    const position = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumbers: { a: '123' } } as const;
    const shards = table(entry('a', 'waiting-for-parents'), entry('b', 'waiting-for-parents'));
    expect(startPositionFor(shards, 'a', position)).toEqual({
      type: 'AFTER_SEQUENCE_NUMBER',
      sequenceNumber: '123',
    });
    expect(startPositionFor(shards, 'b', position)).toEqual({ type: 'TRIM_HORIZON' });
  });
});
