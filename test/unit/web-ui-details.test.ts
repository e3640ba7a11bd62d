/**
 * What the Web UI shows, as plain functions: the start summaries and details, the shard's,
 * stream's and DLQ replay's current details, the per-call activity summaries, and the worker's
 * startup check of the search attributes.
 */
import { temporal } from '@temporalio/proto';
import { compileDlqReplayOptions } from '../../src/config/replay-options';
import { SEARCH_ATTRIBUTES } from '../../src/constants';
import {
  checkSearchAttributes,
  searchAttributeGapMessage,
  searchAttributeGaps,
} from '../../src/workers/search-attribute-check';
import { replayCallSummary, replayDetailsMarkdown } from '../../src/workflows/dlq-replay-details';
import { batchSummary, shardDetailsMarkdown } from '../../src/workflows/shard-details';
import type { ShardStatus } from '../../src/workflows/shard-messages';
import { formatMs, shardStartMetadata, streamStartMetadata } from '../../src/workflows/start-details';
import { streamDetailsMarkdown } from '../../src/workflows/stream-details';
import { ShardConsumer } from '../../src/workflows/shard-consumer';
import { seq, testOptions } from '../helpers/fake-batches';

const { IndexedValueType } = temporal.api.enums.v1;

function status(over: Partial<ShardStatus> = {}): ShardStatus {
  return {
    streamName: 'orders',
    shardId: 'shardId-000000000001',
    state: 'running',
    checkpoint: { sequenceNumber: seq(7) },
    attempt: 1,
    millisBehindLatest: 312_000,
    lastArrival: '2026-01-01T00:00:00.000Z',
    handled: 1234,
    deadLettered: 2,
    batches: 56,
    bytes: 99_000,
    filteredOut: 3,
    lastError: null,
    pauseReason: null,
    run: 1,
    updatedAt: '2026-01-01T00:00:01.000Z',
    ...over,
  };
}

test('durations read as a person writes them', () => {
  expect([0, 250, 1_000, 1_500, 300_000, 5_400_000, 86_400_000].map(formatMs)).toEqual([
    '0ms',
    '250ms',
    '1s',
    '1.5s',
    '5m',
    '1.5h',
    '1d',
  ]);
});

test('stream and shard starts: a one-line summary and markdown details naming stream, shard, handler, options', () => {
  const options = testOptions({ batchSize: 50, bisectBatchOnError: true });
  const stream = streamStartMetadata(options, 'ksp-queue');
  expect(stream.staticSummary).toBe('Kinesis stream orders: one shard workflow per shard, from TRIM_HORIZON');
  expect(stream.staticSummary).not.toContain('\n');
  expect(stream.staticDetails).toContain('`KSP_HANDLER` module of the workers on task queue `ksp-queue`');
  expect(stream.staticDetails).toContain('- batchSize 50, maxPollWait 5m');
  expect(stream.staticDetails).toContain('- retry: 3 attempts, 1s × 2 up to 1m');
  expect(stream.staticDetails).toContain('bisectBatchOnError on');
  expect(stream.staticDetails).toContain('- DLQ: `http://127.0.0.1:1/000000000000/orders-dlq`');

  const shard = shardStartMetadata({
    streamName: 'orders',
    shardId: 'shardId-000000000001',
    options,
    startPosition: { type: 'AT_TIMESTAMP', timestamp: '2026-01-01T00:00:00.000Z' },
    handlerName: './dist/handler.js#handler (native)',
    taskQueue: 'ksp-queue',
    resumed: false,
  });
  expect(shard.staticSummary).toBe(
    'Kinesis orders / shardId-000000000001: handler ./dist/handler.js#handler (native), from AT_TIMESTAMP 2026-01-01T00:00:00.000Z',
  );
  expect(shard.staticDetails).toContain('**Handler**: `./dist/handler.js#handler (native)`');
  expect(
    shardStartMetadata({
      streamName: 'orders',
      shardId: 's',
      options,
      startPosition: { type: 'TRIM_HORIZON' },
      handlerName: 'h',
      taskQueue: 'q',
      resumed: true,
    }).staticSummary,
  ).toContain('from its last checkpoint');
});

test('the shard’s current details: state, lag, checkpoint, counts, then retry, pause and last error when there are', () => {
  expect(shardDetailsMarkdown(status(), '2026-01-01T00:00:00.500Z').split('\n')).toEqual([
    '**running** · **5.2m behind** the tip (312000 ms)',
    `**Checkpoint** \`${seq(7)}\`, moved 2026-01-01T00:00:00.500Z`,
    '**Handled** 1234 · dead-lettered 2 · filtered out 3 · 56 batches · 99000 bytes',
    'Last record arrived 2026-01-01T00:00:00.000Z',
  ]);
  const troubled = shardDetailsMarkdown(
    status({
      state: 'paused',
      attempt: 3,
      millisBehindLatest: 0,
      pauseReason: 'KspStreamNotFound: gone',
      lastError: { type: 'KspStreamNotFound', message: 'gone', at: '2026-01-01T00:00:02.000Z' },
      run: 4,
    }),
    null,
  );
  expect(troubled).toContain('**paused** · at the tip (0 ms behind)');
  expect(troubled).toContain('**Retrying**: attempt 3');
  expect(troubled).toContain('**Paused**: KspStreamNotFound: gone — resume with the `resume` signal');
  expect(troubled).toContain('**Last error** (2026-01-01T00:00:02.000Z): `KspStreamNotFound`: gone');
  expect(troubled).toContain('Run 4 (continued as new 3×)');
  expect(shardDetailsMarkdown(status({ millisBehindLatest: null, checkpoint: null }), null)).toContain(
    'lag unknown until the first batch',
  );
});

test('each batch activity says which shard, from where, how many, and why when it is a retry', () => {
  const consumer = new ShardConsumer(
    {
      streamName: 'orders',
      shardId: 'shardId-000000000001',
      streamWorkflowId: null,
      options: testOptions({ batchSize: 25 }),
      startPosition: { type: 'TRIM_HORIZON' },
      state: null,
    },
    () => 0,
    { warn: () => undefined, error: () => undefined },
  );
  const first = consumer.next();
  expect(batchSummary(first)).toBe('processBatch shardId-000000000001 from TRIM_HORIZON, ≤25 records');
  expect(
    batchSummary({
      ...first,
      checkpoint: { sequenceNumber: seq(9), subSequenceNumber: 2 },
      attempt: 3,
      maxRecords: 4,
      deadLetterOnFailure: true,
    }),
  ).toBe(
    `processBatch shardId-000000000001 after ${seq(9)}/2, ≤4 records (attempt 3, bisecting, last attempt: failures go to the DLQ)`,
  );
});

test('the stream’s current details: shards by state, totals, the most lagging shard, the pause', () => {
  const text = streamDetailsMarkdown(
    {
      streamName: 'orders',
      state: 'paused',
      shards: [
        status({ shardId: 'a', state: 'paused', millisBehindLatest: 1_000 }),
        status({ shardId: 'b', state: 'paused', millisBehindLatest: 90_000, handled: 1 }),
        { shardId: 'c', state: 'waiting-for-parents', parentShardIds: ['b'] },
        status({ shardId: 'd', state: 'finished', millisBehindLatest: 999_999 }),
      ],
      totals: { handled: 1235, deadLettered: 4, maxMillisBehindLatest: 90_000 },
      discoveredAt: '2026-01-01T00:00:00.000Z',
      run: 1,
    },
    'deploy',
  );
  expect(text.split('\n')).toEqual([
    '**paused** · 4 shards: 1 finished · 2 paused · 1 waiting-for-parents',
    '**Handled** 1235 · dead-lettered 4',
    '**Most behind**: `b`, 1.5m (90000 ms)',
    '**Paused**: deploy — resume with the `resume` signal',
    'Shards last listed 2026-01-01T00:00:00.000Z',
  ]);
});

test('the DLQ replay: a summary per call and counts in its current details, never message bodies', () => {
  const options = compileDlqReplayOptions({
    queueUrl: 'http://127.0.0.1:1/000000000000/orders-dlq',
    ratePerSecond: 5,
  });
  const progress = {
    seen: 12,
    replayed: 10,
    failed: 1,
    skipped: 1,
    parked: 0,
    wouldReplay: 0,
    records: { replayed: 30, failed: 2, parked: 0, reread: 0, requeued: 0 },
    skippedBy: {},
    queueUrl: options.queueUrl,
    mode: options.mode,
    dryRun: false,
    state: 'running' as const,
    held: 1,
    emptySince: null,
    lastError: null,
    startedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:05.000Z',
    run: 1,
  };
  expect(replayCallSummary(options, 10, progress)).toBe(
    'replayDlqBatch orders-dlq: up to 10 message(s) through the handler, 10 replayed so far',
  );
  const text = replayDetailsMarkdown(progress);
  expect(text).toContain('**Messages** seen 12 · replayed 10 · failed 1 · skipped 1 · parked 0');
  expect(text).toContain('1 message(s) held hidden');
});

describe('search attributes at worker start', () => {
  const all = {
    KspStream: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KspShardId: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KspState: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KspMillisBehind: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    KspQuarantined: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  };

  test('the table covers every attribute the project sets', () => {
    expect(Object.keys(all).sort()).toEqual(Object.keys(SEARCH_ATTRIBUTES).sort());
    expect(searchAttributeGaps(all)).toEqual([]);
  });

  test('a missing or mistyped attribute is named, with the command that adds it', async () => {
    const { KspMillisBehind: _missing, ...rest } = all;
    const registered = { ...rest, KspState: IndexedValueType.INDEXED_VALUE_TYPE_TEXT };
    const gaps = searchAttributeGaps(registered);
    expect(gaps).toEqual([
      { name: 'KspState', type: 'Keyword', registeredAs: 'Text' },
      { name: 'KspMillisBehind', type: 'Int' },
    ]);
    const message = searchAttributeGapMessage('prod', gaps);
    expect(message).toContain(
      'namespace prod lacks the search attribute(s) ksp sets: KspState, KspMillisBehind',
    );
    expect(message).toContain(
      'temporal operator search-attribute create --namespace prod --name KspMillisBehind --type Int',
    );
    expect(message).toContain('temporal operator search-attribute delete --namespace prod --name KspState');
    await expect(
      checkSearchAttributes(
        { listSearchAttributes: async () => ({ customAttributes: registered }) },
        'prod',
        () => {
          throw new Error('no warning expected');
        },
      ),
    ).rejects.toMatchObject({ name: 'SearchAttributesMissing', message });
  });

  test('when the attributes cannot be listed, the worker warns and starts', async () => {
    const warnings: string[] = [];
    await checkSearchAttributes(
      {
        listSearchAttributes: async () => {
          throw new Error('7 PERMISSION_DENIED: not allowed');
        },
      },
      'prod',
      (m) => warnings.push(m),
    );
    expect(warnings).toEqual([
      expect.stringContaining('could not list the search attributes of namespace prod'),
    ]);
    expect(warnings[0]).toContain('KspMillisBehind (Int)');
  });
});
