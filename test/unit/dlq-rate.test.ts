import { RecordRateLimiter } from '../../src/activities/dlq/rate';

/** A fake clock whose sleep moves time on. */
function clock() {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    slept,
    advance: (ms: number) => (now += ms),
  };
}

describe('RecordRateLimiter', () => {
  it('lets a second’s worth through at once, then paces to the rate', async () => {
    // Prepare
    const c = clock();
    const limiter = new RecordRateLimiter(100, c.now, c.sleep);
    // Act
    for (let i = 0; i < 4; i++) await limiter.take(50);
    // Assess: 100 records of burst, then 100 more take one second.
    expect(c.slept).toEqual([500, 500]);
    expect(c.now()).toBe(1_000);
  });

  it('lets a message larger than a second’s worth through when the bucket is full, then repays the debt', async () => {
    // Prepare
    const c = clock();
    const limiter = new RecordRateLimiter(10, c.now, c.sleep);
    // Act
    await limiter.take(30);
    await limiter.take(10);
    // Assess: 30 at once (bucket full), then 20 of debt and 10 more: three seconds.
    expect(c.now()).toBe(3_000);
  });

  it('refills while time passes between messages', async () => {
    // Prepare
    const c = clock();
    const limiter = new RecordRateLimiter(10, c.now, c.sleep);
    await limiter.take(10);
    // Act
    c.advance(1_000);
    await limiter.take(10);
    // Assess
    expect(c.slept).toEqual([]);
  });

  it('never waits without a limit', async () => {
    // Prepare
    const c = clock();
    const limiter = new RecordRateLimiter(null, c.now, c.sleep);
    // Act
    await limiter.take(1_000_000);
    // Assess
    expect(c.slept).toEqual([]);
  });

  it('makes no promise when records may go at once, only when they must wait', () => {
    // Prepare
    const c = clock();
    const unlimited = new RecordRateLimiter(null, c.now, c.sleep);
    const limited = new RecordRateLimiter(10, c.now, c.sleep);
    // Act
    const none = unlimited.take(1_000);
    const atOnce = limited.take(10);
    const later = limited.take(5);
    // Assess: the replay awaits only the last (it calls take once per message).
    expect(none).toBeUndefined();
    expect(atOnce).toBeUndefined();
    expect(later).toBeInstanceOf(Promise);
    expect(c.slept).toEqual([500]);
  });
});
