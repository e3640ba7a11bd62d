import { heldSecondsByIdentity, holdingsOf, movedFrom, ratioOf, spreadOf } from '../../bench/worker-spread';

const at = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });

describe('spread of shards over workers', () => {
  it('counts every worker, those holding nothing too', () => {
    expect(holdingsOf({ s1: 'a', s2: 'a', s3: null }, ['a', 'b'])).toEqual({ a: 2, b: 0 });
  });

  it('averages samples and gives busiest ÷ least busy', () => {
    const spread = spreadOf(
      [
        { s1: 'a', s2: 'b', s3: 'a' },
        { s1: 'a', s2: 'b', s3: 'b' },
      ],
      ['a', 'b'],
    );
    expect(spread.perWorker).toEqual({ a: 1.5, b: 1.5 });
    expect(spread.ratio).toBe(1);
    expect(spreadOf([{ s1: 'a' }], ['a', 'b']).ratio).toBe(Infinity);
  });

  it('names the shards that moved off a worker', () => {
    expect(movedFrom({ s1: 'a', s2: 'a', s3: 'b' }, { s1: 'b', s2: null, s3: 'c' }, 'a')).toEqual(['s1']);
  });

  it('sums shard-seconds per identity from started/closed activity events, clipped to the window', () => {
    const events = [
      { eventId: '5', eventTime: at(1_000), activityTaskStartedEventAttributes: { identity: 'a' } },
      { eventId: '6', eventTime: at(4_000), activityTaskCompletedEventAttributes: { startedEventId: '5' } },
      { eventId: '9', eventTime: at(5_000), activityTaskStartedEventAttributes: { identity: 'b' } },
      { eventId: '10', eventTime: at(6_000), activityTaskTimedOutEventAttributes: { startedEventId: '9' } },
      { eventId: '12', eventTime: at(7_000), activityTaskStartedEventAttributes: { identity: 'b' } },
    ];
    // Window 2 s → 8 s: a 2 s (2→4), b 1 s (5→6) + 1 s still running (7→8).
    expect(heldSecondsByIdentity(events, 2_000, 8_000)).toEqual({ a: 2, b: 2 });
    expect(ratioOf({ a: 2, b: 1 }, ['a', 'b', 'c'])).toBe(Infinity);
    expect(ratioOf({ a: 2, b: 1 }, ['a', 'b'])).toBe(2);
  });
});
