/**
 * ReplayState, the DLQ replay workflow's decisions and state, without a server: when a run ends,
 * waits or continues as new, what each call may take, how counts, held handles and errors add up,
 * and the one upgrade step of the stored input.
 */
import { type DlqReplayOptions, compileDlqReplayOptions } from '../../src/config/replay-options';
import { type ReplayDlqBatchResult, emptyCounts } from '../../src/dlq/replay-contract';
import { MAX_HELD_MESSAGES, ReplayState, upgradeReplayInput } from '../../src/workflows/dlq-replay-state';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const AT = new Date(T0).toISOString();
const DLQ = 'http://sqs.us-east-1.localhost:4566/000000000000/orders-dlq';

function replayState(over: Partial<DlqReplayOptions> = {}): ReplayState {
  const options = compileDlqReplayOptions({ queueUrl: DLQ, emptyGracePeriod: '20s', ...over });
  return new ReplayState(upgradeReplayInput({ options }, AT));
}

/** A call's result: `seen` messages replayed, or none and `idleMs` of quiet. */
function batch(seen: number, over: Partial<ReplayDlqBatchResult> = {}): ReplayDlqBatchResult {
  const counts = { ...emptyCounts(), seen, replayed: seen };
  return { counts, held: [], retryAt: null, idleMs: 0, lastError: null, ...over };
}

test('a first run starts fresh at the given time; a continued run carries its state and counts the run', () => {
  const options = compileDlqReplayOptions({ queueUrl: DLQ });
  const fresh = upgradeReplayInput({ options }, AT).state;
  expect(fresh).toEqual({
    counts: emptyCounts(),
    held: [],
    heldDropped: 0,
    quietMs: 0,
    retryAt: null,
    lastError: null,
    startedAt: AT,
    run: 1,
  });
  const carried = { ...fresh, quietMs: 5_000, run: 2 };
  expect(upgradeReplayInput({ options, state: carried }, 'later').state).toEqual({ ...carried, run: 3 });
});

test('replays until the queue has been quiet for the grace period, each call waiting only what is left', () => {
  const r = replayState();
  expect(r.next(T0, false)).toEqual({
    kind: 'replay',
    maxMessages: Number.MAX_SAFE_INTEGER,
    idleWaitMs: 20_000,
  });
  r.record(batch(3), AT);
  r.record(batch(0, { idleMs: 8_000 }), AT);
  expect(r.next(T0, false)).toMatchObject({ kind: 'replay', idleWaitMs: 12_000 });
  r.record(batch(0, { idleMs: 12_000 }), AT);
  expect(r.next(T0, false)).toEqual({ kind: 'end', end: 'queue-empty' });
  expect(r.progress(T0)).toMatchObject({ seen: 3, replayed: 3, emptySince: '2026-12-01T09:59:40.000Z' });
});

test('failed messages still hidden at the end of the grace period: wait for them, then try again', () => {
  const r = replayState();
  const retryAt = new Date(T0 + 5 * 60_000).toISOString();
  r.record(batch(1, { retryAt, lastError: { type: 'PoisonError', message: 'still failing' } }), AT);
  r.record(batch(0, { idleMs: 20_000 }), AT);
  expect(r.next(T0, false)).toEqual({ kind: 'wait-for-retries', ms: 5 * 60_000 });
  r.retriesBack();
  expect(r.next(T0 + 5 * 60_000, false)).toMatchObject({ kind: 'replay', idleWaitMs: 20_000 });
  expect(r.progress(T0).lastError).toEqual({ type: 'PoisonError', message: 'still failing', at: AT });
});

test('stop and maxMessages end the run before anything else; a full history continues as new', () => {
  const limited = replayState({ maxMessages: 5 });
  expect(limited.next(T0, true)).toEqual({ kind: 'continue-as-new' });
  limited.record(batch(2), AT);
  expect(limited.next(T0, false)).toMatchObject({ kind: 'replay', maxMessages: 3 });
  limited.record(batch(3), AT);
  expect(limited.next(T0, true)).toEqual({ kind: 'end', end: 'max-messages' });
  const stopped = replayState();
  stopped.stop();
  expect(stopped.progress(T0).state).toBe('stopping');
  expect(stopped.next(T0, true)).toEqual({ kind: 'end', end: 'stopped' });
  expect(stopped.finish('stopped')).toEqual({ end: 'stopped' });
  expect(stopped.progress(T0).state).toBe('stopped');
});

test('held messages: the newest handle of a message counts, beyond the bound they are only counted', () => {
  const r = replayState();
  r.record(batch(1, { held: [{ messageId: 'm1', receiptHandle: 'h1' }] }), AT);
  r.record(batch(1, { held: [{ messageId: 'm1', receiptHandle: 'h2' }] }), AT);
  expect(r.state.held).toEqual([{ messageId: 'm1', receiptHandle: 'h2' }]);
  const many = Array.from({ length: MAX_HELD_MESSAGES + 5 }, (_, i) => ({
    messageId: `x${i}`,
    receiptHandle: `h${i}`,
  }));
  r.record(batch(many.length, { held: many }), AT);
  expect(r.state.held).toHaveLength(MAX_HELD_MESSAGES);
  expect(r.progress(T0).held).toBe(MAX_HELD_MESSAGES + 6);
  r.released();
  expect(r.state.held).toEqual([]);
});

test('a failed run reports the error it failed with', () => {
  const r = replayState();
  r.failed({ type: 'KspQueueNotFound', message: 'no such queue' }, AT);
  expect(r.finish(null)).toEqual({
    type: 'KspQueueNotFound',
    message: `DLQ replay of ${DLQ} stopped: no such queue`,
  });
  expect(r.progress(T0)).toMatchObject({ state: 'failed', lastError: { type: 'KspQueueNotFound', at: AT } });
});
