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
import { BufferGate } from './backpressure';
import { buildRequest } from './batcher';
import { ProducerClosedError } from '../errors';
import { HashKeyCache } from './hash-keys';
import { KeyQueues } from './key-queues';
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
import { isTransient } from '../aws/classify';
import { producerMetrics } from './producer-metrics';
import type { Producer, PutResult } from './producer-api';
import { ShardRateLimiter } from './rate-limiter';
import { Sender } from './sender';
import { Settlements } from './settlements';
import { ShardMap } from './shard-map';

export type { Producer, ProducerStats, PutResult } from './producer-api';

/** How long a key no known shard covers waits for the re-read map. */
const UNROUTABLE_WAIT_MS = 200;
/** Wait after a failed ListShards that may pass. */
const MAP_RETRY_MS = 1_000;

export function createProducer(options: ProducerOptions): Producer {
  const opts: CompiledProducerOptions = compileProducerOptions(options);
  const now = Date.now;
  const map = new ShardMap(opts.kinesis, opts.streamName, opts.shardMapMaxAgeMs, now);
  const limiter = new ShardRateLimiter(opts.rateLimit, now);
  const queues = new KeyQueues();
  const hashKeys = new HashKeyCache();
  const gate = new BufferGate(opts.maxBufferedRecords, opts.maxBufferedBytes);
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
  const metrics = producerMetrics(opts.metricMeter, opts.streamName);
  const settlements = new Settlements(queues, gate, counters, now, metrics);
  let closed = false;
  let pumpQueued = false;
  let mapLoading = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  /** Aborted by `abort()`: requests in flight end, and nothing is sent afterwards. */
  const stop = new AbortController();
  const sender = new Sender({
    kinesis: opts.kinesis,
    streamName: opts.streamName,
    retry: opts.retry,
    recordTtlMs: opts.recordTtlMs,
    map,
    limiter,
    queues,
    settlements,
    metrics,
    counters,
    signal: stop.signal,
    now,
    onDone: schedulePump,
  });

  /** Whether to send now, or let records gather for a fuller request. */
  function shouldSend(at: number): boolean {
    if (settlements.flushing || closed) return true;
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
          settlements.expireUnsent(err, opts.recordTtlMs);
          arm(now() + MAP_RETRY_MS);
        } else settlements.failEverything(err);
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
    while (sender.inFlight < opts.maxInFlightRequests && shouldSend(at)) {
      const built = buildRequest({
        queues,
        route: (hashKey) => map.shardFor(hashKey.hex),
        limiter,
        aggregation: opts.aggregation,
        now: at,
        unroutableWaitMs: UNROUTABLE_WAIT_MS,
      });
      if (built.unroutable > 0) map.invalidate();
      if (built.entries.length === 0) break;
      void sender.send(built.entries);
    }
    const nextWake = queues.wake(at); // including keys the build just deferred
    const head = queues.peekReady()?.pending.peek();
    const lingerUntil =
      head && sender.inFlight < opts.maxInFlightRequests
        ? head.acceptedAt + opts.maxBufferedTimeMs
        : Infinity;
    const wakes = [lingerUntil, nextWake ?? Infinity];
    if (map.needsLoad || !map.loaded) wakes.push(map.nextLoadAt());
    const next = Math.min(...wakes);
    if (next !== Infinity && settlements.size > 0) arm(Math.max(next, at + 1));
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
    const bytes = recordBytes(record.partitionKey, data);
    const hashKey = hashKeys.of(record.partitionKey, record.explicitHashKey);
    const id = settlements.open();
    return new Promise<PutResult>((resolve, reject) => {
      gate.enter(bytes, () => {
        if (stop.signal.aborted) {
          // Waited for room while the producer was aborted: never buffered.
          gate.leave(bytes);
          settlements.cancel(id);
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
          settler: undefined,
        }));
        settlements.track(pending, { resolve, reject, calledAt, id });
        metrics.buffered(gate.records);
        schedulePump();
      });
    });
  }

  async function flush(): Promise<void> {
    if (settlements.size === 0) return;
    const done = settlements.flushed();
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
      settlements.failEverything(reason);
    },
    stats: () => ({
      ...counters,
      shardMapLoads: map.loads,
      buffered: { records: gate.records, bytes: gate.bytes },
      maxBuffered: { records: gate.maxRecordsSeen, bytes: gate.maxBytesSeen },
      waitingPuts: gate.waiting,
      inFlightRequests: sender.inFlight,
      latencyMs: settlements.latency.summary(),
    }),
  };
}
