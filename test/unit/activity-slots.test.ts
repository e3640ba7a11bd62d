import {
  MIN_KINESIS_SOCKETS,
  activitySlotHeadroom,
  activitySlotsFor,
  kinesisSocketsFor,
} from '../../src/workers/activity-slots';

describe('activitySlotsFor', () => {
  it('gives a lone worker every shard plus headroom', () => {
    expect(activitySlotsFor(4)).toBe(20);
    expect(activitySlotsFor(256)).toBe(256 + 26);
    expect(activitySlotsFor(1_000)).toBe(1_100);
  });

  it('sizes each of several workers for its share plus one lost worker', () => {
    // 96 shards over 3 workers: 32 each, 48 each after one dies.
    expect(activitySlotsFor(96, 3)).toBe(48 + 16);
    expect(activitySlotsFor(1_000, 5)).toBe(250 + 25);
  });

  it('never has fewer slots than the shards it may hold', () => {
    for (const shards of [0, 1, 7, 200, 201, 999]) {
      for (const workers of [1, 2, 3, 10]) {
        const held = workers === 1 ? shards : Math.ceil(shards / (workers - 1));
        expect(activitySlotsFor(shards, workers)).toBeGreaterThanOrEqual(held + activitySlotHeadroom(held));
      }
    }
  });

  it('refuses counts that are not whole numbers', () => {
    expect(() => activitySlotsFor(-1)).toThrow('shards');
    expect(() => activitySlotsFor(4, 0)).toThrow('workers');
    expect(() => activitySlotsFor(1.5)).toThrow('shards');
  });
});

describe('kinesisSocketsFor', () => {
  it('gives the worker’s Kinesis clients a socket per activity slot, never fewer than the default 64', () => {
    expect(kinesisSocketsFor(2_000)).toBe(2_000);
    expect(kinesisSocketsFor(1_100)).toBe(1_100);
    expect(kinesisSocketsFor(16)).toBe(MIN_KINESIS_SOCKETS);
  });
});
