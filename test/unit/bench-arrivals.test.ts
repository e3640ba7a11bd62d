import {
  type Arrival,
  arrivalLine,
  consumedAfter,
  parseArrivals,
  summarizeDeliveries,
} from '../../bench/arrivals';

const a = (n: number, t: number, handledAt: number, shardId = 's1', key = `k${n % 2}`): Arrival => ({
  n,
  t,
  handledAt,
  shardId,
  key,
});

describe('the workers section reading its handlers back', () => {
  it('round-trips lines and skips a torn one', () => {
    const lines = arrivalLine(a(1, 10, 20)) + arrivalLine(a(2, 11, 21, 's2', 'k9')) + '3 12 2';
    expect(parseArrivals(lines)).toEqual([a(1, 10, 20), a(2, 11, 21, 's2', 'k9')]);
  });

  it('times each shard to its first record put after the kill', () => {
    const consumed = consumedAfter(
      [a(0, 90, 150, 's1'), a(1, 101, 140, 's1'), a(2, 120, 131, 's1'), a(3, 105, 160, 's2')],
      100,
    );
    expect(Object.fromEntries(consumed)).toEqual({ s1: 31, s2: 60 });
  });

  it('counts lost, redelivered and first deliveries out of per-key order', () => {
    // k0: 0, 2, 4; k1: 1, 3. 4 is lost, 1 redelivered, 2 handled before 0 (out of order).
    const summary = summarizeDeliveries([a(1, 0, 1), a(2, 0, 2), a(0, 0, 3), a(1, 0, 4), a(3, 0, 5)], 5);
    expect(summary).toEqual({
      produced: 5,
      lost: 1,
      redelivered: 1,
      redeliveredFromWorker: 0,
      orderViolations: 1,
      examples: ['k0: 0 after 2'],
      lagMs: { p50: 3, p99: 5, max: 5 },
    });
    const killed = summarizeDeliveries(
      [{ ...a(0, 0, 1), worker: '7' }, a(0, 0, 2), a(1, 0, 3), a(1, 0, 4)],
      2,
      '7',
    );
    expect([killed.redelivered, killed.redeliveredFromWorker]).toEqual([2, 1]);
  });
});
