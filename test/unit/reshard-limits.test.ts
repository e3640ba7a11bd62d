/**
 * Every Kinesis resharding limit refuses with a message that names the limit and what is allowed,
 * before any call that changes the stream.
 */
import { middleHashKey } from '../../src/workflows/hash-range';
import type { ReshardLedgerEntry } from '../../src/workflows/stream-messages';
import {
  type StreamShape,
  checkReshard,
  countChangeBudget,
  countSteps,
  pruneLedger,
} from '../../src/workflows/reshard-limits';
import type { OpenShard, ReshardRequest } from '../../src/workflows/reshard-messages';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const SPACE = 1n << 128n;

/** `n` equal open shards covering the hash space. */
function shards(n: number, firstId = 0): OpenShard[] {
  return Array.from({ length: n }, (_, i) => ({
    shardId: `shardId-${String(firstId + i).padStart(12, '0')}`,
    startingHashKey: ((SPACE * BigInt(i)) / BigInt(n)).toString(),
    endingHashKey: ((SPACE * BigInt(i + 1)) / BigInt(n) - 1n).toString(),
    parentShardIds: [],
  }));
}

function shape(over: Partial<StreamShape> = {}): StreamShape {
  return {
    streamName: 'orders',
    status: 'ACTIVE',
    mode: 'PROVISIONED',
    openShards: shards(8),
    account: null,
    ...over,
  };
}

function changes(n: number, hoursAgo: (i: number) => number): ReshardLedgerEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    at: new Date(NOW - hoursAgo(i) * 3_600_000).toISOString(),
    from: 4,
    to: 8,
    kind: 'count' as const,
    method: 'UpdateShardCount' as const,
    workflowId: 'ksp:orders:reshard',
  }));
}

function check(
  request: ReshardRequest,
  over: Partial<StreamShape> = {},
  ledger: ReshardLedgerEntry[] = [],
  maxShards = 500,
) {
  return checkReshard(request, shape(over), ledger, { maxShards, nowMs: NOW });
}

const to = (n: number, allowMultipleSteps = false): ReshardRequest => ({
  kind: 'count',
  targetShardCount: n,
  ...(allowMultipleSteps ? { allowMultipleSteps } : {}),
});

describe('refusals name the limit and what is allowed', () => {
  test.each([
    [
      'stream UPDATING',
      to(16),
      { status: 'UPDATING' },
      [],
      500,
      'stream-status',
      /is UPDATING: Kinesis reshards only an ACTIVE stream.*wait until it is ACTIVE/,
    ],
    ['stream CREATING', to(16), { status: 'CREATING' }, [], 500, 'stream-status', /is CREATING/],
    [
      'on-demand stream',
      to(16),
      { mode: 'ON_DEMAND' as const },
      [],
      500,
      'stream-mode',
      /ON_DEMAND capacity mode.*switch it to PROVISIONED/,
    ],
    ['target 0', to(0), {}, [], 500, 'target', /not a whole number of at least 1/],
    ['target 2.5', to(2.5), {}, [], 500, 'target', /2\.5 is not a whole number/],
    [
      'more than 2× in one call',
      to(17),
      {},
      [],
      500,
      'scale-factor',
      /from 8 open shards to 4–16 \(at most 2× up, at least ½ down\); 17 needs 2 calls \(8 → 16 → 17\): ask for 16 first, or allow several steps/,
    ],
    [
      'less than ½ in one call',
      to(3),
      {},
      [],
      500,
      'scale-factor',
      /from 8 open shards to 4–16.*3 needs 2 calls \(8 → 4 → 3\): ask for 4 first/,
    ],
    [
      '½ of an odd count rounds up',
      to(1),
      { openShards: shards(3) },
      [],
      500,
      'scale-factor',
      /from 3 open shards to 2–6/,
    ],
    [
      'above the configured maximum',
      to(12),
      {},
      [],
      10,
      'shard-count-bounds',
      /12 shards is above the configured maximum of 10 shards \(maxShards\): at most 10/,
    ],
    [
      'above the account limit',
      to(16),
      { account: { shardLimit: 20, openShardCount: 15 } },
      [],
      500,
      'shard-count-bounds',
      /account's shard limit \(DescribeLimits: 20 shards, 15 open in the account, 8 of them in this stream\).*at most 13/,
    ],
    [
      'above 10,000 per stream',
      to(10_001, true),
      { openShards: shards(8) },
      [],
      20_000,
      'shard-count-bounds',
      /per-stream maximum of 10000 shards.*at most 10000/,
    ],
    [
      '11th change in 24 h',
      to(12),
      {},
      changes(10, (i) => 1 + i),
      500,
      'count-changes-per-24h',
      /10 shard-count changes per stream per rolling 24 h; stream "orders" has had 10, so 0 are left and this change needs 1; it is allowed again at 2026-11-27T02:00:00.000Z/,
    ],
    [
      'two steps with one change left',
      to(3, true),
      {},
      changes(9, (i) => 2 + i),
      500,
      'count-changes-per-24h',
      /has had 9, so 1 is left and this change needs 2; it is allowed again at 2026-11-27T02:00:00.000Z/,
    ],
    [
      'split of a closed shard',
      { kind: 'split', shardId: 'shardId-000000000099' },
      {},
      [],
      500,
      'shard-not-open',
      /shardId-000000000099 is not an open shard of stream "orders".*open shards: shardId-000000000000, /,
    ],
    [
      'split beyond the maximum',
      { kind: 'split', shardId: 'shardId-000000000000' },
      {},
      [],
      8,
      'shard-count-bounds',
      /splitting would make 9 shards, above the configured maximum of 8/,
    ],
    [
      'split at a key outside the shard',
      { kind: 'split', shardId: 'shardId-000000000000', newStartingHashKey: '1' },
      {},
      [],
      500,
      'hash-key',
      /new starting hash key 1 must be a decimal number above 1 .* and below 42535295865117307932921825928971026431/,
    ],
    [
      'split at a key that is not a number',
      { kind: 'split', shardId: 'shardId-000000000000', newStartingHashKey: '0x10' },
      {},
      [],
      500,
      'hash-key',
      /0x10 must be a decimal number/,
    ],
    [
      'merge of shards that do not touch',
      { kind: 'merge', shardIds: ['shardId-000000000000', 'shardId-000000000002'] },
      {},
      [],
      500,
      'not-adjacent',
      /are not adjacent: Kinesis merges only shards whose hash ranges touch; shardId-000000000000 can merge with shardId-000000000001/,
    ],
    [
      'merge of a shard with itself',
      { kind: 'merge', shardIds: ['shardId-000000000001', 'shardId-000000000001'] },
      {},
      [],
      500,
      'not-adjacent',
      /cannot merge shardId-000000000001 with itself/,
    ],
    [
      'merge with a closed shard',
      { kind: 'merge', shardIds: ['shardId-000000000001', 'shardId-000000000042'] },
      {},
      [],
      500,
      'shard-not-open',
      /shardId-000000000042 is not an open shard/,
    ],
  ] as const)('%s', (_name, request, over, ledger, maxShards, limit, message) => {
    // Act
    const verdict = check(request as ReshardRequest, over, [...ledger], maxShards);
    // Assess
    expect(verdict).toEqual({ ok: false, limit, message: expect.stringMatching(message) as unknown });
  });
});

describe('allowed requests', () => {
  test('4 → 8 is one UpdateShardCount call', () => {
    expect(check(to(8), { openShards: shards(4) })).toEqual({ ok: true, steps: [8] });
  });

  test('8 → 3 with several steps allowed goes 8 → 4 → 3', () => {
    expect(check(to(3, true))).toEqual({ ok: true, steps: [4, 3] });
  });

  test('the current count is nothing to do', () => {
    expect(check(to(8))).toEqual({ ok: true, steps: [] });
  });

  test('changes older than 24 h and explicit splits do not count against the budget', () => {
    const old = changes(10, (i) => 24.5 + i);
    const splits = changes(5, () => 1).map((e) => ({ ...e, kind: 'split' as const }));
    expect(check(to(12), {}, [...old, ...splits])).toEqual({ ok: true, steps: [12] });
  });

  test('a split defaults to the middle of the hash range', () => {
    const verdict = check({ kind: 'split', shardId: 'shardId-000000000000' });
    expect(verdict).toEqual({ ok: true, steps: [9], newStartingHashKey: middleHashKey(shards(8)[0]!) });
  });

  test('adjacent shards merge in either order', () => {
    const request: ReshardRequest = {
      kind: 'merge',
      shardIds: ['shardId-000000000003', 'shardId-000000000002'],
    };
    expect(check(request)).toEqual({ ok: true, steps: [7] });
  });

  test('the account limit leaves room for exactly the target', () => {
    expect(check(to(13), { account: { shardLimit: 20, openShardCount: 15 } })).toEqual({
      ok: true,
      steps: [13],
    });
  });
});

describe('count steps, budget and ledger', () => {
  test.each([
    [4, 8, [8]],
    [8, 3, [4, 3]],
    [1, 20, [2, 4, 8, 16, 20]],
    [100, 1, [50, 25, 13, 7, 4, 2, 1]],
    [5, 5, []],
  ])('%i → %i goes %j', (from, target, steps) => {
    expect(countSteps(from, target)).toEqual(steps);
  });

  test('the budget counts count changes in the rolling window and says when the next is allowed', () => {
    const ledger = changes(10, (i) => 23 - i);
    expect(countChangeBudget(ledger, NOW)).toEqual({
      used: 10,
      remaining: 0,
      allowedAt: '2026-11-26T13:00:00.000Z',
    });
    expect(countChangeBudget(ledger, NOW + 3_600_000 + 1)).toMatchObject({
      used: 9,
      remaining: 1,
      allowedAt: null,
    });
  });

  test('pruning drops entries that left the window but keeps the last few for display', () => {
    const ledger = changes(8, (i) => 40 - i); // all older than 24 h
    expect(pruneLedger(ledger, NOW, 5)).toEqual(ledger.slice(-5));
    expect(pruneLedger([...ledger, ...changes(1, () => 1)], NOW, 0)).toHaveLength(1);
  });
});
