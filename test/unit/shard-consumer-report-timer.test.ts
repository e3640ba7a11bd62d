/**
 * Timer-gated progress reports (patch `progress-report-timer`): the interval is the workflow's
 * timer firing, never workflow-clock arithmetic, so a stale clock reading cannot change a decision.
 */
import { ShardConsumer } from '../../src/workflows/shard-consumer';
import type { ShardRunInput } from '../../src/workflows/shard-input';
import { handled, testOptions } from '../helpers/fake-batches';

function gatedConsumer(clock: { ms: number }): ShardConsumer {
  const input: ShardRunInput = {
    streamName: 'orders',
    shardId: 'shardId-000000000000',
    streamWorkflowId: 'stream',
    options: testOptions({ progressInterval: '10s' }),
    startPosition: { type: 'TRIM_HORIZON' },
    state: null,
  };
  const shard = new ShardConsumer(input, () => clock.ms, { warn: jest.fn(), error: jest.fn() });
  shard.gateReportsByTimer();
  return shard;
}

test('the first report goes at once; the next unforced one only after the timer fired, whatever the clock says', () => {
  const clock = { ms: 0 };
  const shard = gatedConsumer(clock);
  shard.next();
  shard.settled();
  shard.apply(handled(10));
  expect(shard.progressReport(false)).toMatchObject({ handled: 10 });

  shard.next();
  shard.settled();
  shard.apply(handled(20));
  clock.ms += 60_000; // the clock alone never releases a report
  expect(shard.progressReport(false)).toBeNull();
  // The held-back report is the timer's to send (a busy loop may not return for minutes).
  expect(shard.reportIntervalElapsed()).toBe(true);
  clock.ms = 0; // nor does a clock reading from the past hold one back
  expect(shard.progressReport(false)).toMatchObject({ handled: 20 });
  expect(shard.progressReport(false)).toBeNull();
});

test('a forced report goes out between timers and still waits for the next one after it', () => {
  const shard = gatedConsumer({ ms: 0 });
  expect(shard.progressReport(false)).not.toBeNull();
  shard.pause('operator');
  expect(shard.progressReport(true)).toMatchObject({ state: 'paused' });
  shard.resume();
  expect(shard.progressReport(false)).toBeNull();
  shard.reportIntervalElapsed();
  expect(shard.progressReport(false)).toMatchObject({ state: 'running' });
});

test('the timer says a report was held back only when one was', () => {
  const shard = gatedConsumer({ ms: 0 });
  expect(shard.progressReport(false)).not.toBeNull();
  expect(shard.reportIntervalElapsed()).toBe(false);
  expect(shard.progressReport(false)).toBeNull(); // nothing changed: nothing to send
  expect(shard.reportIntervalElapsed()).toBe(false);
});
