/**
 * The busy loop's GetRecords spacing (src/activities/shard/poll-pace.ts): at the limit while a
 * backlog drains, every busyPollInterval on a steady stream, backing off to idlePollInterval.
 */
import { PollPace, nextSpacingMs } from '../../src/activities/shard/poll-pace';

const options = { busyMs: 400, idleMs: 1_000, batchSize: 100 };

describe('poll spacing', () => {
  it('a full batch or a shard behind its tip reads again at 200 ms (5 calls/s)', () => {
    expect(nextSpacingMs(options, 1_000, { fetched: 100, millisBehindLatest: 0 })).toBe(200);
    expect(nextSpacingMs(options, 1_000, { fetched: 3, millisBehindLatest: 60_000 })).toBe(200);
  });

  it('records short of a batch: every busyPollInterval, half the shard’s reads', () => {
    expect(nextSpacingMs(options, 200, { fetched: 3, millisBehindLatest: 0 })).toBe(400);
    expect(nextSpacingMs(options, 1_000, { fetched: 1, millisBehindLatest: null })).toBe(400);
  });

  it('empty polls back off by half each time up to idlePollInterval', () => {
    const spacings: number[] = [];
    let spacing = 200;
    for (let i = 0; i < 6; i++) {
      spacing = nextSpacingMs(options, spacing, { fetched: 0, millisBehindLatest: 0 });
      spacings.push(spacing);
    }
    expect(spacings).toEqual([400, 600, 900, 1_000, 1_000, 1_000]);
  });

  it('busyPollInterval never goes below 200 ms nor above idlePollInterval', () => {
    const steady = { fetched: 5, millisBehindLatest: 0 };
    expect(nextSpacingMs({ ...options, busyMs: 50 }, 200, steady)).toBe(200);
    expect(nextSpacingMs({ ...options, busyMs: 5_000 }, 200, steady)).toBe(1_000);
  });

  it('spacing runs from the start of one call to the start of the next', () => {
    const pace = new PollPace(options);
    expect(pace.delayMs(0)).toBe(0);
    pace.record(1_000, { fetched: 5, millisBehindLatest: 0 });
    // The handler took 150 ms of the 400: the next call waits the rest.
    expect(pace.delayMs(1_150)).toBe(250);
    expect(pace.delayMs(1_500)).toBe(0);
  });

  it('a steady stream of one record per 200 ms uses half of the shard’s 5 reads/s', () => {
    // Records put every 200 ms; a poll every 400 ms finds two.
    const pace = new PollPace(options);
    let now = 0;
    const callsAt: number[] = [];
    const latencies: number[] = [];
    let lastRead = -1; // records are put from t = 0
    while (now < 60_000) {
      now += pace.delayMs(now);
      callsAt.push(now);
      const arrived: number[] = [];
      for (let put = Math.ceil((lastRead + 1) / 200) * 200; put <= now; put += 200) {
        if (put > lastRead) arrived.push(put);
      }
      latencies.push(...arrived.map((put) => now - put));
      lastRead = now;
      pace.record(now, { fetched: arrived.length, millisBehindLatest: 0 });
      now += 5; // GetRecords + handler
    }
    // Calls per second over the time they span (first to last call: no fencepost call counted).
    const spanS = ((callsAt.at(-1) ?? 0) - (callsAt[0] ?? 0)) / 1000;
    expect((callsAt.length - 1) / spanS).toBeLessThanOrEqual(2.5);
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? Infinity;
    expect(p99).toBeLessThanOrEqual(405);
  });
});
