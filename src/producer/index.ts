/**
 * The producer library: `createProducer(options)` and what it takes and gives. One role per file:
 * options (`options.ts`), API limits and record checks (`limits.ts`), the ordering guard
 * (`key-queues.ts`), the bookkeeping of unsettled puts and flushes (`settlements.ts`), one
 * PutRecords request and its retry decisions (`sender.ts`), request building and aggregation
 * (`batcher.ts`), per-shard rates (`rate-limiter.ts`), the shard map (`shard-map.ts`), the buffer
 * bound (`backpressure.ts`), latency (`latency.ts`); its errors live with the project's, in
 * `src/errors.ts`.
 */
export { createProducer, type Producer, type ProducerStats, type PutResult } from './producer';
export {
  type AggregationOptions,
  type ProducerOptions,
  PRODUCER_DEFAULTS,
  compileProducerOptions,
} from '../config/producer-options';
export {
  MAX_RECORDS_PER_REQUEST,
  MAX_RECORD_BYTES,
  MAX_REQUEST_BYTES,
  PARTITION_KEY_LENGTH,
  SHARD_WRITE_LIMITS,
  type ProducerRecord,
} from './limits';
export { EarlierRecordFailedError, InvalidRecordError, ProducerClosedError } from '../errors';
