/**
 * Live seek without a server: request validation, the retention check, a seek that waits for the
 * batch in flight (ShardConsumer), and the whole-stream plan in lineage order (stream-seek.ts).
 */
import { checkShardSeekInput, checkStreamSeekInput, retentionProblem } from '../../src/workflows/seek';
import { seekPosition } from '../../src/cli/commands/seek';
import { ShardConsumer } from '../../src/workflows/shard-consumer';
import { planStreamSeek } from '../../src/workflows/stream-seek';
import type { StreamShardEntry } from '../../src/workflows/stream-state';
import { handled, result, seq, testOptions } from '../helpers/fake-batches';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('seek requests', () => {
  it.each([
    [{ position: { type: 'TRIM_HORIZON' } }, { position: { type: 'TRIM_HORIZON' } }],
    [
      { position: { type: 'AT_TIMESTAMP', timestamp: '2026-12-01T08:00:00+01:00' }, requestedBy: 'ops' },
      { position: { type: 'AT_TIMESTAMP', timestamp: '2026-12-01T07:00:00.000Z' }, requestedBy: 'ops' },
    ],
    [
      { position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '123' } },
      { position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '123' } },
    ],
  ])('accepts %j', (raw, expected) => {
    expect(checkShardSeekInput(raw, NOW)).toEqual(expected);
  });

  it.each([
    [undefined, /the seek input is missing/],
    [{ position: { type: 'AT_TIMESTAMP', timestamp: 'soon' } }, /`position.timestamp` is "soon"/],
    [{ position: { type: 'AT_TIMESTAMP', timestamp: '2027-01-01T00:00:00Z' } }, /in the future: .*LATEST/],
    [{ position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '12a' } }, /decimal digits/],
    [{ position: { type: 'AT_TIMESTAMP' }, extra: 1 }, /unknown field\(s\) `extra`/],
    [{ position: { type: 'LATEST' }, requestedBy: '' }, /`requestedBy` is ""/],
  ])('refuses %j, naming the field', (raw, message) => {
    expect(() => checkShardSeekInput(raw, NOW)).toThrow(message);
  });

  it('needs a shard for a sequence number on a whole stream', () => {
    expect(() =>
      checkStreamSeekInput({ position: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '1' } }, NOW),
    ).toThrow(/`shardId` is missing/);
    expect(
      checkStreamSeekInput({ position: { type: 'LATEST' }, shardId: 'shardId-000000000001' }, NOW),
    ).toEqual({ position: { type: 'LATEST' }, shardId: 'shardId-000000000001' });
  });

  it('refuses a time before the retention, naming the period and the fix', () => {
    const before = { type: 'AT_TIMESTAMP' as const, timestamp: new Date(NOW - 25 * 3_600_000).toISOString() };
    expect(retentionProblem(before, 24, NOW)).toMatch(/keeps records for 24 h.*TRIM_HORIZON/);
    expect(retentionProblem(before, 48, NOW)).toBeNull();
    expect(retentionProblem({ type: 'TRIM_HORIZON' }, 24, NOW)).toBeNull();
  });
});

describe('ShardConsumer.seek', () => {
  const shard = () =>
    new ShardConsumer(
      {
        streamName: 'orders',
        shardId: 'shardId-000000000000',
        streamWorkflowId: null,
        options: testOptions(),
        startPosition: { type: 'TRIM_HORIZON' },
        state: null,
      },
      () => NOW,
      { warn: () => undefined, error: () => undefined },
    );

  it('waits for the batch in flight: its checkpoint is applied first, then replaced', () => {
    const s = shard();
    s.apply(handled(10));
    s.next(); // a batch is in flight
    s.seek({ type: 'AT_SEQUENCE_NUMBER', sequenceNumber: seq(3) }, 'ops');
    expect(s.seekPending).toBe(true);
    expect(s.status().checkpoint).toEqual({ sequenceNumber: seq(10) });
    s.settled();
    expect(s.apply(handled(20))).toEqual({ kind: 'next', idleWaitMs: 0 });
    expect(s.status()).toMatchObject({
      checkpoint: null,
      handled: 20,
      lastSeek: { requestedBy: 'ops', from: { sequenceNumber: seq(20) } },
    });
    expect(s.next()).toMatchObject({
      checkpoint: null,
      startPosition: { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: seq(3) },
    });
  });

  it('starts a failing retry over and carries the target across continue-as-new', () => {
    const s = shard();
    s.next();
    s.settled();
    s.apply(result({ outcome: 'retry', fetched: 5, error: { type: 'Error', message: 'x' } }));
    s.next();
    s.settled();
    s.apply(result({ outcome: 'retry', fetched: 5, error: { type: 'Error', message: 'x' } }));
    expect(s.status().attempt).toBe(3);
    s.seek({ type: 'LATEST' }, 'ops');
    expect(s.status().attempt).toBe(1);
    const next = s.continuation();
    expect(next.startPosition).toEqual({
      type: 'AT_TIMESTAMP',
      timestamp: new Date(NOW - 5_000).toISOString(),
    });
    expect(next.state).toMatchObject({ checkpoint: null, attempt: 1, bisect: null });
  });
});

describe('planStreamSeek', () => {
  const entry = (
    shardId: string,
    state: StreamShardEntry['state'],
    parents: string[] = [],
  ): StreamShardEntry => ({
    shardId,
    parentShardIds: parents,
    state,
    status: null,
  });

  it('a rewind re-reads the kept closed parents; their running children stop and wait for them again', () => {
    const shards: Record<string, StreamShardEntry> = {
      gone: entry('gone', 'finished'),
      a: { ...entry('a', 'finished', ['gone']), endCheckpoint: { sequenceNumber: '9' } },
      b: entry('b', 'running', ['a']),
      c: entry('c', 'paused'),
    };
    const to = { type: 'AT_TIMESTAMP' as const, timestamp: '2026-12-01T08:00:00.000Z' };
    const plan = planStreamSeek(shards, to, new Set(['a', 'b', 'c']), 'ops', '2026-12-01T12:00:00.000Z');
    expect(plan).toEqual({ moved: ['c'], held: ['b'], restarted: ['a'] });
    expect(shards.gone?.state).toBe('finished');
    expect(shards.a).toMatchObject({ state: 'waiting-for-parents', seek: { position: to } });
    expect(shards.a?.endCheckpoint).toBeUndefined();
    expect(shards.b).toMatchObject({ state: 'waiting-for-parents', awaitingStop: true });
  });

  it('a skip to LATEST reads nothing closed again', () => {
    const shards: Record<string, StreamShardEntry> = {
      a: entry('a', 'finished'),
      b: entry('b', 'running', ['a']),
      c: entry('c', 'waiting-for-parents', ['b']),
    };
    const plan = planStreamSeek(shards, { type: 'LATEST' }, new Set(), 'ops', '2026-12-01T12:00:00.000Z');
    expect(plan).toEqual({ moved: ['b'], held: [], restarted: ['c'] });
    expect(shards.c?.seek?.position).toEqual({ type: 'AT_TIMESTAMP', timestamp: '2026-12-01T12:00:00.000Z' });
    expect(shards.a?.state).toBe('finished');
  });
});

describe('ksp seek flags', () => {
  it.each([
    [{ to: 'trim_horizon' }, { type: 'TRIM_HORIZON' }],
    [{ to: 'LATEST' }, { type: 'LATEST' }],
    [{ to: '2026-12-01T08:00:00Z' }, { type: 'AT_TIMESTAMP', timestamp: '2026-12-01T08:00:00.000Z' }],
    [{ 'at-sequence': '4959' }, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: '4959' }],
    [{ 'after-sequence': '4959' }, { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '4959' }],
  ])('%j', (flags, position) => {
    expect(seekPosition(flags)).toEqual(position);
  });

  it.each([
    [{}, /say where to/],
    [{ to: 'LATEST', 'at-sequence': '1' }, /give one of --to, --at-sequence/],
    [{ to: 'yesterday' }, /--to: "yesterday" is not a time/],
    [{ 'at-sequence': '1e3' }, /--at-sequence: "1e3" is not a sequence number/],
  ])('refuses %j', (flags, message) => {
    expect(() => seekPosition(flags)).toThrow(message);
  });
});
