/**
 * `createProducer(options)`: writes user records to a stream with PutRecords, safely at the
 * shards' limits.
 *
 * - `put(record)` resolves once the record is in the stream (its shard, sequence number and, inside
 *   an aggregate, sub-sequence number) or rejects: `InvalidRecordError` at once for a record Kinesis
 *   would refuse, else the classified AWS failure (`ApplicationFailure`, src/aws/classify.ts) once
 *   it cannot be retried or its `recordTtl` is over.
 * - Records wait up to `maxBufferedTime` for a fuller request; each shard gets at most its write
 *   limit (`rate-limiter.ts`); failed entries are retried with exponential backoff and jitter, and
 *   a later record of a partition key never overtakes an earlier one (`key-queues.ts`).
 * - The buffer is bounded: `put` waits for room when it is full; `ready()` lets a loop pace itself.
 * - `flush()` sends everything buffered now and resolves when it is settled; `close()` flushes and
 *   refuses further puts. Neither loses a record.
 * - `abort(reason)` stops at once: requests in flight are aborted, every record not yet in the
 *   stream is rejected with `reason`, and nothing is sent afterwards (an activity whose attempt
 *   is lost must not write late).
 */
import { PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { classifyAwsError, isThrottling, isTransient } from '../aws/classify';
import { effectiveHashKey } from '../kpl';
import { BufferGate } from './backpressure';
import { type Entry, buildRequest } from './batcher';
import { EarlierRecordFailedError, ErrorType, ProducerClosedError } from '../errors';
import { type KeyQueue, KeyQueues, type PendingRecord } from './key-queues';
import { type LatencySummary, LatencyHistogram } from './latency';
import {
  MAX_RECORDS_PER_REQUEST,
  MAX_REQUEST_BYTES,
  type ProducerRecord,
  recordBytes,
  validateRecord,
} from './limits';
import {
  type CompiledProducerOptions,
  type ProducerOptions,
  compileProducerOptions,
} from '../config/producer-options';
import { backoffMs } from '../config/backoff';
import { producerMetrics } from './producer-metrics';
import { ShardRateLimiter } from './rate-limiter';
import { ShardMap } from './shard-map';

export interface PutResult {
  shardId: string;
  sequenceNumber: string;
  /** Position inside the KPL aggregate that carried the record; absent for a plain record. */
  subSequenceNumber?: number;
}

export interface ProducerStats {
  /** User records in the stream. */
  userRecordsPut: number;
  /** Kinesis records in the stream (aggregates count once). */
  kinesisRecordsPut: number;
  /** Bytes of those Kinesis records, partition keys included. */
  bytesPut: number;
  putRecordsCalls: number;
  /** User-record attempts that failed and were retried. */
  retries: number;
  /** Throttled answers: whole calls and entries. */
  throttles: number;
  /** User records rejected. */
  failed: number;
  /** Kinesis records that landed on another shard than the map predicted (a reshard). */
  wrongShard: number;
  shardMapLoads: number;
  buffered: { records: number; bytes: number };
  maxBuffered: { records: number; bytes: number };
  /** Puts waiting for room in the buffer. */
  waitingPuts: number;
  inFlightRequests: number;
  /** From `put` to the record being in the stream. */
  latencyMs: LatencySummary;
}

export interface Producer {
  put(record: ProducerRecord): Promise<PutResult>;
  /** Resolves when the buffer has room, so that a loop can pace its puts. */
  ready(): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  /** Stops now: aborts requests in flight, rejects every unsettled record with `reason`, sends nothing more. */
  abort(reason: Error): void;
  stats(): ProducerStats;
}

interface Settle {
  resolve(result: PutResult): void;
  reject(err: unknown): void;
  calledAt: number;
  id: number;
}

/** How long a key no known shard covers waits for the re-read map. */
const UNROUTABLE_WAIT_MS = 200;
/** Wait after a failed ListShards that may pass. */
const MAP_RETRY_MS = 1_000;

function isStaleMapAnswer(code: string | undefined, message: string | undefined): boolean {
  return (
    code === 'ResourceNotFoundException' ||
    (code === 'InvalidArgumentException' && /shard/i.test(message ?? ''))
  );
}

export function createProducer(options: ProducerOptions): Producer {
  const opts: CompiledProducerOptions = compileProducerOptions(options);
  const now = Date.now;
  const map = new ShardMap(opts.kinesis, opts.streamName, opts.shardMapMaxAgeMs, now);
  const limiter = new ShardRateLimiter(opts.rateLimit, now);
  const queues = new KeyQueues();
  const gate = new BufferGate(opts.maxBufferedRecords, opts.maxBufferedBytes);
  const latency = new LatencyHistogram();
  const metrics = producerMetrics(opts.metricMeter, opts.streamName);
  /** Between attempts of a record: doubling, with equal jitter so throttled writers spread out. */
  const retryBackoff = { initialMs: opts.retry.initialDelayMs, coefficient: 2, maxMs: opts.retry.maxDelayMs };
  const settlers = new WeakMap<PendingRecord, Settle>();
  /** Ids of puts not yet settled, oldest first (a Set keeps insertion order). */
  const unsettled = new Set<number>();
  const flushes: Array<{ upTo: number; resolve: () => void }> = [];
  const counters = {
    userRecordsPut: 0,
    kinesisRecordsPut: 0,
    bytesPut: 0,
    putRecordsCalls: 0,
    retries: 0,
    throttles: 0,
    failed: 0,
    wrongShard: 0,
  };
  let putCount = 0;
  let inFlight = 0;
  let closed = false;
  let pumpQueued = false;
  let mapLoading = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  /** Aborted by `abort()`: requests in flight end, and nothing is sent afterwards. */
  const stop = new AbortController();

  function settle(record: PendingRecord, outcome: { result: PutResult } | { error: unknown }): void {
    const s = settlers.get(record);
    if (!s) return;
    settlers.delete(record);
    gate.leave(record.bytes);
    metrics.buffered(gate.records);
    unsettled.delete(s.id);
    if ('result' in outcome) {
      counters.userRecordsPut++;
      latency.record(now() - s.calledAt);
      metrics.put(now() - s.calledAt);
      s.resolve(outcome.result);
    } else {
      counters.failed++;
      s.reject(outcome.error);
    }
    if (flushes.length > 0) {
      const oldest = unsettled.values().next();
      const floor = oldest.done ? Infinity : oldest.value;
      for (let i = flushes.length - 1; i >= 0; i--) {
        const f = flushes[i];
        if (f && f.upTo < floor) {
          flushes.splice(i, 1);
          f.resolve();
        }
      }
    }
  }

  /** Rejects records, then everything queued behind them on their keys (see EarlierRecordFailedError). */
  function fail(key: KeyQueue, records: readonly PendingRecord[], error: unknown): void {
    for (const r of records) settle(r, { error });
    for (const r of queues.dropQueued(key)) {
      settle(r, { error: new EarlierRecordFailedError(key.partitionKey, error) });
    }
  }

  /** Nothing can be sent (the stream is gone, access denied): reject every queued record with the cause. */
  function failEverything(error: unknown): void {
    for (const key of queues.keysWithRecords()) {
      for (const r of queues.dropQueued(key)) settle(r, { error });
    }
  }

  /** The map cannot be read for now: records past their TTL are rejected with that error (with their key's followers). */
  function expireUnsent(error: unknown): void {
    const at = now();
    for (const key of queues.keysWithRecords()) {
      const head = key.pending.peek();
      if (head && at - head.acceptedAt > opts.recordTtlMs) {
        for (const r of queues.dropQueued(key)) settle(r, { error });
      }
    }
  }

  function groupByKey(records: readonly PendingRecord[]): Map<KeyQueue, PendingRecord[]> {
    const byKey = new Map<KeyQueue, PendingRecord[]>();
    for (const r of records) {
      const list = byKey.get(r.key);
      if (list) list.push(r);
      else byKey.set(r.key, [r]);
    }
    return byKey;
  }

  /** An entry failed: retry its records after a backoff, or reject them when that cannot help. */
  function entryFailed(entry: Entry, error: unknown, retryable: boolean): void {
    const at = now();
    for (const [key, records] of groupByKey(entry.records)) {
      for (const r of records) r.attempts++;
      const attempts = Math.max(...records.map((r) => r.attempts));
      const retryAt = at + backoffMs(retryBackoff, attempts - 1, Math.random());
      const expired = records.some((r) => retryAt - r.acceptedAt > opts.recordTtlMs);
      if (retryable && !expired) {
        counters.retries += records.length;
        metrics.retried(records.length);
        queues.retryLater(key, records, retryAt);
      } else {
        fail(key, records, error);
        queues.settled(key);
      }
    }
  }

  function entrySucceeded(entry: Entry, result: PutRecordsResultEntry): void {
    const shardId = result.ShardId as string;
    const sequenceNumber = result.SequenceNumber as string;
    if (shardId !== entry.shardId) {
      // Kinesis routed it elsewhere: the shards changed. The records are in the stream all the same.
      counters.wrongShard++;
      map.invalidate();
    }
    counters.kinesisRecordsPut++;
    counters.bytesPut += entry.bytes;
    entry.records.forEach((r, i) =>
      settle(r, {
        result: entry.aggregated
          ? { shardId, sequenceNumber, subSequenceNumber: i }
          : { shardId, sequenceNumber },
      }),
    );
    for (const key of groupByKey(entry.records).keys()) queues.settled(key);
  }

  async function send(entries: Entry[]): Promise<void> {
    inFlight++;
    counters.putRecordsCalls++;
    try {
      let out;
      try {
        out = await opts.kinesis.send(
          new PutRecordsCommand({ StreamName: opts.streamName, Records: entries.map((e) => e.request) }),
          { abortSignal: stop.signal },
        );
      } catch (err) {
        if (stop.signal.aborted) {
          // Aborted: the records may or may not be in the stream; their puts reject with the reason.
          for (const entry of entries) {
            for (const [key, records] of groupByKey(entry.records)) {
              fail(key, records, stop.signal.reason);
              queues.settled(key);
            }
          }
          return;
        }
        const error = classifyAwsError(err, { operation: 'PutRecords', streamName: opts.streamName });
        if (isThrottling(error)) {
          counters.throttles++;
          metrics.throttled();
          for (const shardId of new Set(entries.map((e) => e.shardId))) limiter.throttled(shardId);
        }
        const stale = error.type === ErrorType.StreamNotFound;
        if (stale) map.invalidate();
        for (const entry of entries) entryFailed(entry, error, stale || isTransient(error));
        return;
      }
      const results = out.Records ?? [];
      entries.forEach((entry, i) => {
        const result = results[i];
        if (result?.SequenceNumber && result.ShardId && !result.ErrorCode) {
          entrySucceeded(entry, result);
          return;
        }
        const code = result?.ErrorCode ?? 'InternalFailure';
        const message = result?.ErrorMessage ?? 'PutRecords returned no result for this entry';
        const error = classifyAwsError(
          { name: code, message, $metadata: { httpStatusCode: 200 } },
          { operation: 'PutRecords', streamName: opts.streamName, shardId: entry.shardId },
        );
        if (isThrottling(error)) {
          counters.throttles++;
          metrics.throttled();
          limiter.throttled(entry.shardId);
        }
        const stale = isStaleMapAnswer(code, message);
        if (stale) map.invalidate();
        entryFailed(entry, error, stale || isTransient(error));
      });
    } finally {
      inFlight--;
      schedulePump();
    }
  }

  /** Whether to send now, or let records gather for a fuller request. */
  function shouldSend(at: number): boolean {
    if (flushes.length > 0 || closed) return true;
    if (queues.queuedBytes >= MAX_REQUEST_BYTES) return true;
    if (!opts.aggregation && queues.queuedRecords >= MAX_RECORDS_PER_REQUEST) return true;
    const head = queues.peekReady()?.pending.peek();
    return head !== undefined && head.acceptedAt + opts.maxBufferedTimeMs <= at;
  }

  function loadMap(): void {
    if (mapLoading) return;
    mapLoading = true;
    map.load().then(
      () => {
        mapLoading = false;
        schedulePump();
      },
      (err: unknown) => {
        mapLoading = false;
        if (isTransient(err)) {
          expireUnsent(err);
          arm(now() + MAP_RETRY_MS);
        } else failEverything(err);
      },
    );
  }

  function arm(at: number): void {
    if (at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = Infinity;
        pump();
      },
      Math.max(0, at - now()),
    );
  }

  function schedulePump(): void {
    if (pumpQueued) return;
    pumpQueued = true;
    queueMicrotask(pump);
  }

  function pump(): void {
    pumpQueued = false;
    if (stop.signal.aborted) return;
    if (!map.loaded || map.needsLoad) {
      loadMap();
      if (!map.loaded) return;
    }
    const at = now();
    queues.wake(at);
    while (inFlight < opts.maxInFlightRequests && shouldSend(at)) {
      const built = buildRequest({
        queues,
        route: (hashKey) => map.shardFor(hashKey),
        limiter,
        aggregation: opts.aggregation,
        now: at,
        unroutableWaitMs: UNROUTABLE_WAIT_MS,
      });
      if (built.unroutable > 0) map.invalidate();
      if (built.entries.length === 0) break;
      void send(built.entries);
    }
    const nextWake = queues.wake(at); // including keys the build just deferred
    const head = queues.peekReady()?.pending.peek();
    const lingerUntil =
      head && inFlight < opts.maxInFlightRequests ? head.acceptedAt + opts.maxBufferedTimeMs : Infinity;
    const wakes = [lingerUntil, nextWake ?? Infinity];
    if (map.needsLoad || !map.loaded) wakes.push(map.nextLoadAt());
    const next = Math.min(...wakes);
    if (next !== Infinity && unsettled.size > 0) arm(Math.max(next, at + 1));
  }

  function put(record: ProducerRecord): Promise<PutResult> {
    if (closed) return Promise.reject(new ProducerClosedError());
    let data: Uint8Array;
    try {
      data = validateRecord(record);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const calledAt = now();
    const id = ++putCount;
    const bytes = recordBytes(record.partitionKey, data);
    const hashKey = effectiveHashKey(record.partitionKey, record.explicitHashKey);
    unsettled.add(id);
    return new Promise<PutResult>((resolve, reject) => {
      gate.enter(bytes, () => {
        if (stop.signal.aborted) {
          // Waited for room while the producer was aborted: never buffered.
          gate.leave(bytes);
          unsettled.delete(id);
          reject(stop.signal.reason as Error);
          return;
        }
        const pending = queues.add(record.partitionKey, (key) => ({
          partitionKey: record.partitionKey,
          explicitHashKey: record.explicitHashKey,
          hashKey,
          data,
          bytes,
          acceptedAt: now(),
          attempts: 0,
          key,
        }));
        settlers.set(pending, { resolve, reject, calledAt, id });
        metrics.buffered(gate.records);
        schedulePump();
      });
    });
  }

  async function flush(): Promise<void> {
    if (unsettled.size === 0) return;
    const done = new Promise<void>((resolve) => flushes.push({ upTo: putCount, resolve }));
    schedulePump();
    await done;
  }

  return {
    put,
    ready: () => gate.room(),
    flush,
    async close() {
      closed = true;
      await flush();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    abort(reason: Error) {
      if (stop.signal.aborted) return;
      closed = true;
      stop.abort(reason);
      if (timer) clearTimeout(timer);
      timer = undefined;
      failEverything(reason);
    },
    stats: () => ({
      ...counters,
      shardMapLoads: map.loads,
      buffered: { records: gate.records, bytes: gate.bytes },
      maxBuffered: { records: gate.maxRecordsSeen, bytes: gate.maxBytesSeen },
      waitingPuts: gate.waiting,
      inFlightRequests: inFlight,
      latencyMs: latency.summary(),
    }),
  };
}
