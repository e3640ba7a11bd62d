import { callsPerShardSecond, getRecordsCalls } from '../../bench/read-rate';

describe('bench read rate', () => {
  it('divides calls by shards and seconds', () => {
    expect(callsPerShardSecond(480, 4, 60_000)).toBe(2);
    expect(callsPerShardSecond(0, 4, 60_000)).toBe(0);
    expect(callsPerShardSecond(10, 1, 500)).toBe(20);
  });

  it('is NaN for an empty window or no shards', () => {
    expect(callsPerShardSecond(10, 0, 60_000)).toBeNaN();
    expect(callsPerShardSecond(10, 4, 0)).toBeNaN();
  });

  it('reads GetRecords calls from a meter reading', () => {
    expect(
      getRecordsCalls({ GetRecords: { calls: 7, totalMs: 1 }, ListShards: { calls: 2, totalMs: 1 } }),
    ).toBe(7);
    expect(getRecordsCalls({})).toBe(0);
  });
});
