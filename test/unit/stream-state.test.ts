/**
 * The stream workflow's decisions without a server: discovery, lineage order and start positions,
 * shard reports, pause/resume/stop, the reshard ledger, and what status answers.
 */
import {
  AWAITED_CHILDREN_RETRIES,
  AWAITED_CHILDREN_RETRY_MS,
  MAX_LEDGER_ENTRIES,
  StreamState,
  type StreamStateData,
  initialStreamState,
} from '../../src/workflows/stream-state';
import type { ReshardLedgerEntry } from '../../src/workflows/stream-messages';
import type { ShardStatus } from '../../src/workflows/shard-messages';
import { ledgerEntry, shardStatus } from '../helpers/stream-fixtures';

const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const ISO = new Date(NOW).toISOString();
const HOUR = 3_600_000;
const id = (n: number): string => `shardId-${String(n).padStart(12, '0')}`;
const shard = (n: number, ...parents: number[]) => ({ shardId: id(n), parentShardIds: parents.map(id) });

function report(n: number, over: Partial<ShardStatus> = {}): ShardStatus {
  const counters = { checkpoint: { sequenceNumber: `${n}0` }, handled: 10 * n, deadLettered: n };
  return shardStatus({ shardId: id(n), millisBehindLatest: 100 * n, updatedAt: ISO, ...counters, ...over });
}

function reshard(hoursAgo: number, workflowId: string): ReshardLedgerEntry {
  return ledgerEntry({ at: new Date(NOW - hoursAgo * HOUR).toISOString(), workflowId });
}

/** A stream whose first discovery listed `shards`, each started unless told otherwise. */
function discovered(...shards: Array<ReturnType<typeof shard>>): StreamState {
  const stream = new StreamState('orders', null);
  stream.beginDiscovery();
  stream.applyDiscovery(shards, ISO);
  return stream;
}

const startedIds = (stream: StreamState): string[] =>
  stream.startable({ type: 'LATEST' }).map((s) => s.shardId);

describe('discovery and lineage', () => {
  test('a first run discovers at once; shards without parents start at the configured position', () => {
    const stream = new StreamState('orders', null);
    expect(stream.needDiscovery).toBe(true);
    stream.beginDiscovery();
    expect(stream.needDiscovery).toBe(false);
    stream.applyDiscovery([shard(1), shard(0)], ISO);
    expect(stream.startable({ type: 'LATEST' })).toEqual([
      { shardId: id(0), startPosition: { type: 'LATEST' } },
      { shardId: id(1), startPosition: { type: 'LATEST' } },
    ]);
    expect(stream.status(NOW).discoveredAt).toBe(ISO);
  });

  test('a merge child waits for both parents, then reads from TRIM_HORIZON after the parents ended', () => {
    const stream = discovered(shard(0), shard(1), shard(2, 0, 1));
    for (const n of [0, 1]) stream.applyStarted(id(n), { state: 'running', status: null });
    expect(startedIds(stream)).toEqual([]);
    stream.applyEnded({ shardId: id(0), checkpoint: { sequenceNumber: '5' }, childShardIds: [id(2)] });
    expect(stream.needDiscovery).toBe(true);
    expect(startedIds(stream)).toEqual([]);
    stream.applyEnded({ shardId: id(1), checkpoint: { sequenceNumber: '6' }, childShardIds: [id(2)] });
    expect(stream.startable({ type: 'LATEST' })).toEqual([
      { shardId: id(2), startPosition: { type: 'TRIM_HORIZON' } },
    ]);
  });

  test('a shard found after the first discovery was created while consuming: TRIM_HORIZON', () => {
    const stream = discovered(shard(0));
    stream.applyStarted(id(0), { state: 'running', status: null });
    stream.applyDiscovery([shard(0), shard(5)], ISO);
    expect(stream.startable({ type: 'LATEST' })).toEqual([
      { shardId: id(5), startPosition: { type: 'TRIM_HORIZON' } },
    ]);
  });

  test('a shard the starter finds finished unlocks its children in the same pass', () => {
    const stream = discovered(shard(0), shard(1, 0));
    stream.beginDiscovery();
    stream.applyStarted(id(0), { state: 'finished', status: report(0, { state: 'finished' }) });
    expect(stream.needDiscovery).toBe(true);
    expect(startedIds(stream)).toEqual([id(1)]);
  });

  test('a request made while discovery is under way asks for another one', () => {
    const stream = discovered(shard(0));
    stream.beginDiscovery();
    stream.requestDiscovery();
    stream.applyDiscovery([shard(0)], ISO);
    expect(stream.needDiscovery).toBe(true);
  });
});

describe('children that ChildShards names before ListShards lists them', () => {
  test('are looked for again within seconds, then left to the periodic discovery', () => {
    const stream = discovered(shard(0));
    stream.applyStarted(id(0), { state: 'running', status: null });
    expect(stream.nextWakeMs(300_000)).toBe(300_000);
    stream.applyEnded({ shardId: id(0), checkpoint: null, childShardIds: [id(1), id(2)] });
    expect(stream.nextWakeMs(300_000)).toBe(AWAITED_CHILDREN_RETRY_MS);
    for (let i = 0; i < AWAITED_CHILDREN_RETRIES; i++)
      expect(stream.applyDiscovery([shard(0)], ISO)).toEqual([]);
    expect(stream.applyDiscovery([shard(0)], ISO)).toEqual([id(1), id(2)]);
    expect(stream.nextWakeMs(300_000)).toBe(300_000);
  });

  test('stop being awaited once listed', () => {
    const stream = discovered(shard(0));
    stream.applyEnded({ shardId: id(0), checkpoint: null, childShardIds: [id(1)] });
    expect(stream.applyDiscovery([shard(0), shard(1, 0)], ISO)).toEqual([]);
    expect(stream.nextWakeMs(300_000)).toBe(300_000);
    expect(stream.snapshot().awaitedChildren).toEqual([]);
  });
});

describe('shard reports', () => {
  test('progress updates a known shard; a finished shard and an unknown one ignore it', () => {
    const stream = discovered(shard(0), shard(1));
    stream.applyProgress(report(0, { state: 'paused' }));
    stream.applyProgress(report(9));
    stream.applyEnded({ shardId: id(1), checkpoint: { sequenceNumber: '7' }, childShardIds: null });
    stream.applyProgress(report(1));
    const byId = Object.fromEntries(stream.status(NOW).shards.map((s) => [s.shardId, s.state]));
    expect(byId).toEqual({ [id(0)]: 'paused', [id(1)]: 'finished' });
  });

  test('an end report keeps its final counters, or moves the last status to the end checkpoint', () => {
    const stream = discovered(shard(0), shard(1));
    stream.applyProgress(report(0));
    stream.applyProgress(report(1));
    stream.applyEnded({ shardId: id(0), checkpoint: { sequenceNumber: '99' }, childShardIds: null });
    stream.applyEnded({
      shardId: id(1),
      checkpoint: { sequenceNumber: '98' },
      childShardIds: null,
      status: report(1, { handled: 77, checkpoint: { sequenceNumber: '98' } }),
    });
    expect(stream.result()).toEqual({
      streamName: 'orders',
      shards: {
        [id(0)]: { state: 'finished', checkpoint: { sequenceNumber: '99' } },
        [id(1)]: { state: 'finished', checkpoint: { sequenceNumber: '98' } },
      },
    });
    expect(stream.status(NOW).totals.handled).toBe(77);
  });

  test('status totals: handled and dead-lettered add up; lag is the worst of the shards still reading', () => {
    const stream = discovered(shard(1), shard(2), shard(3));
    stream.applyProgress(report(1));
    stream.applyProgress(report(2));
    stream.applyProgress(report(3));
    stream.applyEnded({ shardId: id(3), checkpoint: null, childShardIds: null });
    expect(stream.status(NOW).totals).toEqual({ handled: 60, deadLettered: 6, maxMillisBehindLatest: 200 });
    const fresh = discovered(shard(1));
    expect(fresh.status(NOW).totals).toEqual({ handled: 0, deadLettered: 0, maxMillisBehindLatest: null });
    expect(fresh.status(NOW).shards).toEqual([
      { shardId: id(1), state: 'waiting-for-parents', parentShardIds: [] },
    ]);
  });
});

describe('pause, resume, stop', () => {
  test('pause keeps its reason (or says who paused); resume clears it', () => {
    const stream = discovered(shard(0));
    expect(stream.pause(undefined)).toBe('paused by operator');
    expect(stream.pause('deploy')).toBe('deploy');
    expect([stream.paused, stream.pauseReason, stream.status(NOW).state]).toEqual([true, 'deploy', 'paused']);
    stream.resume();
    expect([stream.paused, stream.pauseReason, stream.status(NOW).state]).toEqual([false, null, 'running']);
  });

  test('stop drains: stopping while a shard runs or is paused, stopped once none does', () => {
    const stream = discovered(shard(0), shard(1), shard(2));
    stream.applyStarted(id(0), { state: 'running', status: null });
    stream.applyStarted(id(1), { state: 'paused', status: null });
    stream.applyStarted(id(2), { state: 'finished', status: null });
    expect(stream.activeShardIds()).toEqual([id(0), id(1)]);
    stream.stop();
    expect([stream.stopRequested, stream.drained, stream.status(NOW).state]).toEqual([
      true,
      false,
      'stopping',
    ]);
    stream.applyProgress(report(0, { state: 'stopped' }));
    stream.applyProgress(report(1, { state: 'stopped' }));
    expect([stream.drained, stream.status(NOW).state]).toEqual([true, 'stopped']);
  });
});

describe('reshard ledger', () => {
  test('keeps the last 24 h and the last few older entries for display', () => {
    const stream = discovered(shard(0));
    stream.beginDiscovery();
    for (let i = 0; i < 8; i++) stream.recordReshard(reshard(30, `old${i}`), NOW);
    stream.recordReshard(reshard(1, 'recent'), NOW);
    expect(stream.needDiscovery).toBe(true);
    expect(stream.ledger(NOW).map((e) => e.workflowId)).toEqual(['old4', 'old5', 'old6', 'old7', 'recent']);
    expect(stream.status(NOW).reshards).toEqual(stream.ledger(NOW));
  });

  test(`never holds more than ${MAX_LEDGER_ENTRIES} entries, however many arrive in a day`, () => {
    const stream = discovered(shard(0));
    for (let i = 0; i < MAX_LEDGER_ENTRIES + 20; i++) stream.recordReshard(reshard(1, `w${i}`), NOW);
    const ledger = stream.ledger(NOW);
    expect(ledger).toHaveLength(MAX_LEDGER_ENTRIES);
    expect(ledger.at(-1)?.workflowId).toBe(`w${MAX_LEDGER_ENTRIES + 19}`);
  });
});

describe('continue-as-new', () => {
  test('the snapshot is plain JSON; the next run counts itself and discovers again', () => {
    const stream = discovered(shard(0));
    stream.pause('deploy');
    stream.recordReshard(reshard(1, 'w'), NOW);
    const carried = JSON.parse(JSON.stringify(stream.snapshot())) as StreamStateData;
    expect(carried).toEqual(stream.snapshot());
    const next = new StreamState('orders', carried);
    expect(next.status(NOW)).toEqual({ ...stream.status(NOW), run: 2 });
    expect(next.needDiscovery).toBe(true);
  });

  test('a first run starts empty', () => {
    expect(new StreamState('orders', null).snapshot()).toEqual(initialStreamState());
  });
});

describe('per-key quarantine across a reshard', () => {
  test('a child shard inherits the quarantined keys of every parent, once each', () => {
    const stream = discovered(shard(0), shard(1));
    stream.applyStarted(id(0), { state: 'running', status: null });
    stream.applyStarted(id(1), { state: 'running', status: null });
    stream.applyEnded({
      shardId: id(0),
      checkpoint: { sequenceNumber: '5' },
      childShardIds: [id(2)],
      status: report(0, { quarantinedKeys: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'] }),
    });
    stream.applyEnded({
      shardId: id(1),
      checkpoint: { sequenceNumber: '6' },
      childShardIds: [id(2)],
      status: report(1, { quarantinedKeys: ['bbbbbbbbbbbbbbbb', 'cccccccccccccccc'] }),
    });
    stream.applyDiscovery([shard(0), shard(1), shard(2, 0, 1)], ISO);
    expect(stream.inheritedQuarantine(id(2))).toEqual([
      'aaaaaaaaaaaaaaaa',
      'bbbbbbbbbbbbbbbb',
      'cccccccccccccccc',
    ]);
    expect(stream.inheritedQuarantine(id(0))).toEqual([]);
  });
});
