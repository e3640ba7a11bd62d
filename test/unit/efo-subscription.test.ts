/**
 * The enhanced fan-out buffer and renewal logic (src/activities/shard/efo-subscription.ts) against a
 * fake SubscribeToShard: each `open` gets a source the test pushes events into and ends.
 */
import type { _Record } from '@aws-sdk/client-kinesis';
import { efoStart } from '../../src/activities/shard/efo-reader';
import {
  type EfoEvent,
  type EfoStart,
  ShardSubscription,
  type SubscriptionDeps,
} from '../../src/activities/shard/efo-subscription';
import { compileConsumer } from '../../src/config/consumer-option';
import { compileStreamOptions } from '../../src/config/stream-options';

/** One fake subscription: events pushed by the test, ended by the test or by the abort signal. */
class FakeSource {
  private queue: (EfoEvent | Error | 'end')[] = [];
  private wake: (() => void) | null = null;
  constructor(
    readonly start: EfoStart,
    private readonly signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.wake?.());
  }
  push(item: EfoEvent | Error | 'end'): void {
    this.queue.push(item);
    this.wake?.();
  }
  async *events(): AsyncIterable<EfoEvent> {
    for (;;) {
      if (this.signal.aborted) throw this.signal.reason;
      const item = this.queue.shift();
      if (item === 'end') return;
      if (item instanceof Error) throw item;
      if (item) {
        yield item;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

const rec = (seq: number): _Record => ({
  SequenceNumber: String(seq),
  Data: new Uint8Array(),
  PartitionKey: 'k',
});
const event = (seqs: number[], over: Partial<EfoEvent> = {}): EfoEvent => ({
  records: seqs.map(rec),
  continuation: String(seqs[seqs.length - 1] ?? 0),
  millisBehindLatest: 0,
  childShardIds: null,
  ...over,
});
const seqs = (records: _Record[]) => records.map((r) => Number(r.SequenceNumber));
const inUse = () =>
  Object.assign(new Error('Another active subscription exists'), { name: 'ResourceInUseException' });

function harness(over: Partial<SubscriptionDeps> = {}, checkpoint: { sequenceNumber: string } | null = null) {
  const sources: FakeSource[] = [];
  const opened: EfoStart[] = [];
  const events: string[] = [];
  let failOpens: Error[] = [];
  const deps: SubscriptionDeps = {
    open: async (start, signal) => {
      opened.push(start);
      const err = failOpens.shift();
      if (err) throw err;
      const source = new FakeSource(start, signal);
      sources.push(source);
      return source.events();
    },
    isResourceInUse: (err) => (err as Error).name === 'ResourceInUseException',
    renewAfterMs: 60_000,
    maxBuffered: 100,
    sleep: () => Promise.resolve(),
    onEvent: (e) => events.push(e),
    ...over,
  };
  const sub = new ShardSubscription(deps, efoStart(checkpoint, { type: 'TRIM_HORIZON' }), checkpoint);
  const done = sub.run();
  return {
    sub,
    done,
    sources,
    opened,
    events,
    failNextOpens: (errs: Error[]) => (failOpens = errs),
    latest: () => sources[sources.length - 1] as FakeSource,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
async function until(what: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !what(); i++) await tick();
  if (!what()) throw new Error('condition never met');
}

test('serves pushed records after the checkpoint, again for a retry, and drops them once handled', async () => {
  const h = harness();
  await until(() => h.sources.length === 1);
  h.latest().push(event([1, 2, 3]));
  await until(() => h.sub.peek(10).records.length === 3);
  expect(h.sub.positionOf(null)).toBe(0); // first batch: from the start position
  expect(seqs(h.sub.peek(2).records)).toEqual([1, 2]);
  expect(h.sub.positionOf(null)).toBe(0); // the batch failed: the same records again
  expect(seqs(h.sub.peek(2).records)).toEqual([1, 2]);
  expect(h.sub.positionOf({ sequenceNumber: '2' })).toBe(0); // handled up to 2
  expect(seqs(h.sub.peek(10).records)).toEqual([3]);
  expect(h.sub.positionOf({ sequenceNumber: '99' })).toBe(-1); // elsewhere: a new subscription is needed
  expect(h.sub.positionOf(null)).toBe(-1); // the start position is behind the buffer now
  h.sub.close();
  await h.done;
});

test('a KPL checkpoint inside a record keeps that record (its remaining sub-records)', async () => {
  const h = harness();
  await until(() => h.sources.length === 1);
  h.latest().push(event([1, 2, 3]));
  await until(() => h.sub.peek(10).records.length === 3);
  expect(h.sub.positionOf({ sequenceNumber: '2', subSequenceNumber: 4 })).toBe(0);
  expect(seqs(h.sub.peek(10).records)).toEqual([2, 3]);
  h.sub.close();
  await h.done;
});

test('opens from the checkpoint: AFTER its sequence number', async () => {
  const h = harness({}, { sequenceNumber: '41' });
  await until(() => h.opened.length === 1);
  expect(h.opened[0]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '41' });
  h.sub.close();
  await h.done;
});

test('renewal timer: the subscription is ended and reopened after the last record received', async () => {
  const h = harness({ renewAfterMs: 40 });
  await until(() => h.sources.length === 1);
  h.latest().push(event([1, 2]));
  await until(() => h.sources.length >= 2);
  expect(h.opened[1]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '2' });
  expect(h.events.slice(0, 2)).toEqual(['subscribed', 'renewed']);
  h.sub.close();
  await h.done;
  expect(seqs(h.sub.peek(10).records)).toEqual([1, 2]);
});

test('Kinesis ends the subscription: resumes after the last record, nothing lost, repeats dropped', async () => {
  const h = harness();
  await until(() => h.sources.length === 1);
  h.latest().push(event([1, 2]));
  h.latest().push('end');
  await until(() => h.sources.length === 2);
  expect(h.opened[1]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '2' });
  h.latest().push(event([2, 3, 4])); // a repeat of 2 is dropped
  h.latest().push('end');
  await until(() => h.sources.length === 3);
  expect(h.opened[2]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '4' });
  h.latest().push(event([5]));
  await until(() => h.sub.peek(10).records.length === 5);
  expect(seqs(h.sub.peek(10).records)).toEqual([1, 2, 3, 4, 5]);
  h.sub.close();
  await h.done;
});

test('an empty subscription renews from the continuation sequence number', async () => {
  const h = harness({ renewAfterMs: 40 });
  await until(() => h.sources.length === 1);
  h.latest().push(event([], { continuation: '77' }));
  await until(() => h.sources.length === 2);
  expect(h.opened[1]).toEqual({ type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: '77' });
  h.sub.close();
  await h.done;
});

test('ResourceInUseException (an old subscription still open) is waited out, not fatal', async () => {
  const slept: number[] = [];
  const g = harness({
    sleep: (ms) => {
      slept.push(ms);
      return Promise.resolve();
    },
  });
  await until(() => g.sources.length === 1);
  // The server ends the subscription with ResourceInUse mid-stream (an exception event).
  g.latest().push(inUse());
  g.failNextOpens([inUse(), inUse()]);
  await until(() => g.sources.length === 2);
  expect(g.events.filter((e) => e === 'resource-in-use')).toHaveLength(3);
  expect(slept.slice(-3)).toEqual([500, 1_000, 2_000]); // backoff grows
  expect(g.sub.failure).toBeNull();
  g.latest().push(event([1]));
  await until(() => g.sub.peek(10).records.length === 1);
  g.sub.close();
  await g.done;
});

test('any other failure stops the subscription and is reported', async () => {
  const h = harness();
  await until(() => h.sources.length === 1);
  h.latest().push(Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' }));
  await h.done;
  expect((h.sub.failure as Error).name).toBe('ResourceNotFoundException');
  expect(h.sub.isClosed).toBe(true);
});

test('shard end (ChildShards): reported with the last records, only when they all fit the batch', async () => {
  const h = harness();
  await until(() => h.sources.length === 1);
  h.latest().push(event([1, 2, 3], { continuation: null, childShardIds: ['shardId-2', 'shardId-3'] }));
  await h.done; // no renewal after the end
  expect(h.sub.peek(2)).toMatchObject({ ended: false, childShardIds: null });
  expect(h.sub.peek(3)).toMatchObject({ ended: true, childShardIds: ['shardId-2', 'shardId-3'] });
  expect(h.sources).toHaveLength(1);
});

test('a full buffer stops reading events until handled records make room', async () => {
  const h = harness({ maxBuffered: 2 });
  await until(() => h.sources.length === 1);
  h.latest().push(event([1, 2]));
  h.latest().push(event([3]));
  await until(() => h.sub.peek(10).records.length === 2);
  await tick();
  expect(seqs(h.sub.peek(10).records)).toEqual([1, 2]); // 3 waits in the stream (flow control)
  h.sub.positionOf({ sequenceNumber: '2' });
  await until(() => h.sub.peek(10).records.length === 1);
  expect(seqs(h.sub.peek(10).records)).toEqual([3]);
  h.sub.close();
  await h.done;
});

test('consumer option: polling by default, efo with a valid name, errors name the field', () => {
  expect(compileConsumer(undefined)).toBeUndefined();
  expect(compileConsumer({ type: 'polling' })).toBeUndefined();
  expect(compileConsumer({ type: 'efo', name: 'my-app' })).toEqual({ type: 'efo', name: 'my-app' });
  expect(() => compileConsumer({ type: 'fanout' })).toThrow(/consumer\.type.*"polling".*"efo"/);
  expect(() => compileConsumer({ type: 'efo' })).toThrow(/consumer\.name/);
  expect(() => compileConsumer({ type: 'efo', name: 'bad name!' })).toThrow(/consumer\.name/);
  expect(() => compileConsumer('efo')).toThrow(/consumer/);
  const base = { streamName: 's', dlqQueueUrl: 'https://sqs.us-east-1.amazonaws.com/1/q' };
  expect(compileStreamOptions(base).consumer).toBeUndefined();
  expect(compileStreamOptions({ ...base, consumer: { type: 'efo', name: 'a' } }).consumer).toEqual({
    type: 'efo',
    name: 'a',
  });
});
