/**
 * De-aggregation as the batch activity does it: aggregated and plain records mixed, the checkpoint
 * inside an aggregate, corrupt aggregates, and partial failures naming one user record.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { interpretBatchResult } from '../../src/handler/batch-result';
import { expandRecords, toUserRecords } from '../../src/activities/shard/user-records';
import { KPL_MAGIC, encodeAggregate } from '../../src/kpl';
import { checkpointOf } from '../../src/records';
import { SHARD_ID, STREAM_NAME, sequenceNumber } from '../helpers/records';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decode = (d: Uint8Array): string => new TextDecoder().decode(d);
const source = { streamName: STREAM_NAME, shardId: SHARD_ID };
const arrival = new Date('2026-03-01T12:00:00Z');

function plain(n: number, data: string): _Record {
  return {
    SequenceNumber: sequenceNumber(n),
    PartitionKey: `pk-${n}`,
    Data: text(data),
    ApproximateArrivalTimestamp: arrival,
  };
}

function aggregate(n: number, parts: string[], explicitHashKey?: string): _Record {
  return {
    SequenceNumber: sequenceNumber(n),
    PartitionKey: 'agg',
    Data: encodeAggregate(
      parts.map((p, i) => ({
        partitionKey: `${p}-key`,
        data: text(p),
        ...(explicitHashKey !== undefined && i === 0 ? { explicitHashKey } : {}),
      })),
    ),
    ApproximateArrivalTimestamp: arrival,
  };
}

function corrupt(n: number): _Record {
  const good = encodeAggregate([{ partitionKey: 'x', data: text('x') }]);
  const bad = Buffer.from(good);
  bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
  return {
    SequenceNumber: sequenceNumber(n),
    PartitionKey: 'bad',
    Data: bad,
    ApproximateArrivalTimestamp: arrival,
  };
}

const stream = (): _Record[] => [
  plain(1, 'p1'),
  aggregate(2, ['a0', 'a1', 'a2']),
  plain(3, 'p3'),
  aggregate(4, ['b0', 'b1']),
];

describe('expanding aggregated and plain records', () => {
  it('expands aggregates in place, with sub-sequence numbers, keys and idempotency keys', () => {
    // Act
    const { records, corrupt: bad, complete } = expandRecords(stream(), source, null);
    // Assess
    expect(records.map((r) => decode(r.data))).toEqual(['p1', 'a0', 'a1', 'a2', 'p3', 'b0', 'b1']);
    expect(records.map((r) => r.subSequenceNumber)).toEqual([undefined, 0, 1, 2, undefined, 0, 1]);
    expect(records.map((r) => r.partitionKey)).toEqual([
      'pk-1',
      'a0-key',
      'a1-key',
      'a2-key',
      'pk-3',
      'b0-key',
      'b1-key',
    ]);
    expect(records[2]?.idempotencyKey).toBe(`${SHARD_ID}:${sequenceNumber(2)}:1`);
    expect(records[0]?.idempotencyKey).toBe(`${SHARD_ID}:${sequenceNumber(1)}`);
    expect(records[2]?.approximateArrivalTimestamp).toEqual(arrival);
    expect([bad, complete]).toEqual([[], true]);
  });

  it('resumes after the last handled user record inside an aggregate', () => {
    const records = toUserRecords(stream(), source, {
      sequenceNumber: sequenceNumber(2),
      subSequenceNumber: 1,
    });
    expect(records.map((r) => decode(r.data))).toEqual(['a2', 'p3', 'b0', 'b1']);
  });

  it('a checkpoint on the aggregate itself (no sub-sequence number) skips all of it', () => {
    const records = toUserRecords(stream(), source, { sequenceNumber: sequenceNumber(2) });
    expect(records.map((r) => decode(r.data))).toEqual(['p3', 'b0', 'b1']);
  });

  it('delivers a user record whose explicit hash key belongs to another shard (nothing read is dropped)', () => {
    const records = toUserRecords([aggregate(5, ['c0', 'c1'], '0')], source, null);
    expect(records.map((r) => [decode(r.data), r.explicitHashKey])).toEqual([
      ['c0', '0'],
      ['c1', undefined],
    ]);
  });

  it('a record that merely starts like the magic is plain', () => {
    const r = { ...plain(6, ''), Data: Uint8Array.from([...KPL_MAGIC.subarray(0, 3), 0x00, 1, 2]) };
    expect(toUserRecords([r], source, null).map((u) => u.subSequenceNumber)).toEqual([undefined]);
  });
});

describe('corrupt aggregates', () => {
  it('at the head: returned apart, as one raw record each, with the reason; the batch stops before the next good record', () => {
    const {
      records,
      corrupt: bad,
      complete,
    } = expandRecords([corrupt(1), corrupt(2), plain(3, 'p3')], source, null);
    expect(records).toEqual([]);
    expect(bad.map((c) => [c.record.sequenceNumber, c.record.subSequenceNumber, c.reason])).toEqual([
      [sequenceNumber(1), undefined, expect.stringMatching(/MD5/)],
      [sequenceNumber(2), undefined, expect.stringMatching(/MD5/)],
    ]);
    expect(complete).toBe(false);
  });

  it('after good records: the batch ends before it, so it leads the next one', () => {
    const {
      records,
      corrupt: bad,
      complete,
    } = expandRecords([plain(1, 'p1'), corrupt(2), plain(3, 'p3')], source, null);
    expect(records.map((r) => decode(r.data))).toEqual(['p1']);
    expect([bad, complete]).toEqual([[], false]);
  });

  it('as a plain record when asked (a stream without a DLQ, as KCL does)', () => {
    const { records, corrupt: bad } = expandRecords(
      [plain(1, 'p1'), corrupt(2), plain(3, 'p3')],
      source,
      null,
      {
        corrupt: 'plain',
      },
    );
    expect(records.map((r) => r.sequenceNumber)).toEqual([
      sequenceNumber(1),
      sequenceNumber(2),
      sequenceNumber(3),
    ]);
    expect(bad).toEqual([]);
  });

  it('is skipped like any record once the checkpoint is past it', () => {
    const { records, corrupt: bad } = expandRecords([corrupt(1), plain(2, 'p2')], source, {
      sequenceNumber: sequenceNumber(1),
    });
    expect(records.map((r) => decode(r.data))).toEqual(['p2']);
    expect(bad).toEqual([]);
  });
});

describe('partial failures inside an aggregate', () => {
  it('an idempotency key names one user record: the checkpoint goes to the sub-record before it', () => {
    // Prepare
    const records = toUserRecords(stream(), source, null);
    const failed = records[3]; // a2
    // Act
    const outcome = interpretBatchResult(records, {
      batchItemFailures: [{ itemIdentifier: failed?.idempotencyKey }],
    });
    // Assess
    expect(outcome).toEqual({ kind: 'partial', lowestFailedIndex: 3, failedIndexes: [3] });
    expect(checkpointOf(records[2] as (typeof records)[number])).toEqual({
      sequenceNumber: sequenceNumber(2),
      subSequenceNumber: 1,
    });
  });

  it('a sequence number (Lambda’s form) names the whole aggregate: the checkpoint goes before it', () => {
    const records = toUserRecords(stream(), source, null);
    const outcome = interpretBatchResult(records, {
      batchItemFailures: [{ itemIdentifier: sequenceNumber(2) }],
    });
    expect(outcome).toEqual({ kind: 'partial', lowestFailedIndex: 1, failedIndexes: [1, 2, 3] });
  });
});
