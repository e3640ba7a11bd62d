/**
 * Reading a shard's outage from its pending activities (what `ksp status` shows while the batch
 * activity is retried after an infrastructure failure).
 */
import { MAX_NOTE_CHARS, shardOutage } from '../../src/client/shard-outage';

type Pending = NonNullable<Parameters<typeof shardOutage>[0]>[number];

/** A protobuf Timestamp as the client decodes it: `seconds` is a Long. */
const at = (iso: string): Pending['lastHeartbeatTime'] => {
  const ms = Date.parse(iso);
  const seconds = { toNumber: () => Math.floor(ms / 1000) };
  return { seconds, nanos: (ms % 1000) * 1e6 } as unknown as Pending['lastHeartbeatTime'];
};

function pending(over: Partial<Pending>): Pending {
  return {
    activityId: '1',
    activityType: { name: 'processBatch' },
    state: 1,
    attempt: 1,
    maximumAttempts: 0,
    lastWorkerIdentity: 'w',
    paused: false,
    ...over,
  };
}

const note =
  'Kinesis unreachable since 2026-12-01T15:50:00.000Z (GetRecords: TimeoutError: no answer within 15000 ms)';

describe('shardOutage', () => {
  it('is null for a healthy activity (first attempt, no failure)', () => {
    expect(shardOutage([pending({ lastHeartbeatTime: at('2026-12-01T15:50:00Z') })])).toBeNull();
    expect(shardOutage([])).toBeNull();
    expect(shardOutage(undefined)).toBeNull();
  });

  it('reports a retried activity: its last failure, attempt, and times', () => {
    // Act
    const outage = shardOutage([
      pending({
        attempt: 3,
        lastFailure: { message: `${note}; retried with backoff. GetRecords: …` },
        lastAttemptCompleteTime: at('2026-12-01T15:50:20Z'),
        lastHeartbeatTime: at('2026-12-01T15:50:19.500Z'),
      }),
    ]);
    // Assess
    expect(outage).toEqual({
      note: `${note}; retried with backoff. GetRecords: …`,
      activity: 'processBatch',
      activityAttempt: 3,
      lastFailureAt: '2026-12-01T15:50:20.000Z',
      lastHeartbeatAt: '2026-12-01T15:50:19.500Z',
    });
  });

  it('is over once the attempt after the failure heartbeats (it gets through again)', () => {
    const outage = shardOutage([
      pending({
        attempt: 4,
        lastFailure: { message: note },
        lastAttemptCompleteTime: at('2026-12-01T15:50:20Z'),
        lastHeartbeatTime: at('2026-12-01T15:50:30Z'),
      }),
    ]);
    expect(outage).toBeNull();
  });

  it('bounds the note to one line of at most MAX_NOTE_CHARS', () => {
    const outage = shardOutage([
      pending({ attempt: 2, lastFailure: { message: `a\n${'x'.repeat(5_000)}` } }),
    ]);
    expect(outage?.note.length).toBe(MAX_NOTE_CHARS);
    expect(outage?.note).not.toContain('\n');
    expect(outage?.lastFailureAt).toBeNull();
  });
});
