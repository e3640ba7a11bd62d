import fc from 'fast-check';
import { FAILOVER_MARGIN_MS, activityHeartbeatTimeoutMs } from '../../src/workflows/failover';

describe('the shard activities’ heartbeat timeout', () => {
  it('leaves the failover margin below heartbeatTimeout at the defaults', () => {
    // Prepare / Act / Assess
    expect(activityHeartbeatTimeoutMs({ heartbeatTimeoutMs: 30_000, idlePollIntervalMs: 1_000 })).toBe(
      30_000 - FAILOVER_MARGIN_MS,
    );
    expect(activityHeartbeatTimeoutMs({ heartbeatTimeoutMs: 12_000, idlePollIntervalMs: 1_000 })).toBe(
      10_000,
    );
  });

  it('takes at most a fifth of a short heartbeatTimeout', () => {
    expect(activityHeartbeatTimeoutMs({ heartbeatTimeoutMs: 5_000, idlePollIntervalMs: 1_000 })).toBe(4_000);
    expect(activityHeartbeatTimeoutMs({ heartbeatTimeoutMs: 1_000, idlePollIntervalMs: 200 })).toBe(800);
  });

  it('stays above idlePollInterval, so idle polls still heartbeat in time', () => {
    expect(activityHeartbeatTimeoutMs({ heartbeatTimeoutMs: 3_000, idlePollIntervalMs: 2_500 })).toBe(2_750);
  });

  it('for every valid pair: above idlePollInterval, at most heartbeatTimeout, at most the margin below it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000, max: 600_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        (hb, idle) => {
          fc.pre(idle < hb);
          const got = activityHeartbeatTimeoutMs({ heartbeatTimeoutMs: hb, idlePollIntervalMs: idle });
          return got > idle && got <= hb && hb - got <= FAILOVER_MARGIN_MS && got >= (hb * 4) / 5;
        },
      ),
    );
  });
});
