/**
 * The one backoff formula: exponential, capped, deterministic without jitter (workflows use it),
 * and jittered in the upper half of the delay when a random number is given.
 */
import fc from 'fast-check';
import { backoffMs } from '../../src/config/backoff';

describe('backoffMs', () => {
  const doubling = { initialMs: 100, coefficient: 2, maxMs: 1_000 };

  it('grows by the coefficient from the initial delay up to the maximum', () => {
    // Act
    const delays = [0, 1, 2, 3, 4, 10].map((retry) => backoffMs(doubling, retry));
    // Assess
    expect(delays).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('reads a retry number below 0 as the first retry', () => {
    expect(backoffMs(doubling, -1)).toBe(100);
  });

  it('takes any coefficient and rounds to whole milliseconds', () => {
    expect([0, 1, 2].map((r) => backoffMs({ initialMs: 250, coefficient: 1.5, maxMs: 60_000 }, r))).toEqual([
      250, 375, 563,
    ]);
  });

  it('with jitter 1 gives the full delay, with jitter 0 half of it (equal jitter)', () => {
    expect([0, 1, 2, 3, 4].map((r) => backoffMs(doubling, r, 1))).toEqual([100, 200, 400, 800, 1_000]);
    expect([0, 1, 4].map((r) => backoffMs(doubling, r, 0))).toEqual([50, 100, 500]);
  });

  it('stays between half the delay and the delay, and under the maximum, for any input', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (initialMs, coefficient, retry, jitter) => {
          const policy = { initialMs, coefficient, maxMs: initialMs * 20 };
          const full = backoffMs(policy, retry);
          const jittered = backoffMs(policy, retry, jitter);
          expect(full).toBeLessThanOrEqual(policy.maxMs);
          expect(full).toBeGreaterThanOrEqual(initialMs);
          expect(jittered).toBeLessThanOrEqual(full);
          expect(jittered).toBeGreaterThanOrEqual(Math.floor(full / 2));
          expect(backoffMs(policy, retry)).toBe(full); // deterministic
        },
      ),
    );
  });
});
