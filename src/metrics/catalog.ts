/**
 * Every metric ksp records, named once: Prometheus name (counters are exported with `_total`),
 * kind, unit, help text and the KCL / Lambda event-source-mapping counterpart users know.
 * Labels are bounded: `stream` and `shard` (and a small enum such as `reason` or `api`), never a
 * partition key or a record. The README's metrics table is this list.
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  name: string;
  kind: MetricKind;
  /** Unit for the SDK's meter; histograms get it as a name suffix (`_seconds`). */
  unit: string;
  help: string;
  labels: readonly string[];
  /** What KCL / Lambda call the same thing. */
  counterpart: string;
}

const SHARD = ['stream', 'shard'] as const;

export const METRICS = {
  recordsRead: {
    name: 'ksp_records_read',
    kind: 'counter',
    unit: 'records',
    help: 'User records read from Kinesis (KPL aggregates counted per user record)',
    labels: SHARD,
    counterpart: 'Lambda PolledEventCount',
  },
  bytesRead: {
    name: 'ksp_bytes_read',
    kind: 'counter',
    unit: 'bytes',
    help: 'Bytes of record data read from Kinesis',
    labels: SHARD,
    counterpart: 'KCL DataBytesProcessed',
  },
  recordsHandled: {
    name: 'ksp_records_handled',
    kind: 'counter',
    unit: 'records',
    help: 'Records the handler confirmed (the checkpoint moved past them)',
    labels: SHARD,
    counterpart: 'KCL RecordsProcessed',
  },
  recordsDeadLettered: {
    name: 'ksp_records_dead_lettered',
    kind: 'counter',
    unit: 'records',
    help: 'Records written to the DLQ, by reason (retries-exhausted, record-age, non-retryable)',
    labels: [...SHARD, 'reason'],
    counterpart: 'Lambda OnFailureDestinationDeliveredEventCount',
  },
  handlerDuration: {
    name: 'ksp_handler_duration',
    kind: 'histogram',
    unit: 'seconds',
    help: 'Time the handler took per batch',
    labels: SHARD,
    counterpart: 'Lambda Duration',
  },
  batchRetries: {
    name: 'ksp_batch_retries',
    kind: 'counter',
    unit: 'batches',
    help: 'Batches the handler failed (whole or partly) that will be retried',
    labels: SHARD,
    counterpart: 'Lambda Errors (with retries)',
  },
  throttles: {
    name: 'ksp_throttles',
    kind: 'counter',
    unit: 'calls',
    help: 'Kinesis calls answered ProvisionedThroughputExceeded / LimitExceeded, by API',
    labels: [...SHARD, 'api'],
    counterpart: 'KCL/CloudWatch ReadProvisionedThroughputExceeded',
  },
  expiredIterators: {
    name: 'ksp_expired_iterators',
    kind: 'counter',
    unit: 'iterators',
    help: 'Shard iterators that expired and were derived again from the checkpoint',
    labels: SHARD,
    counterpart: 'KCL (ExpiredIteratorException, logged)',
  },
  iteratorAge: {
    name: 'ksp_iterator_age_seconds',
    kind: 'gauge',
    unit: 'seconds',
    help: 'How far the shard is behind the tip of the stream (MillisBehindLatest of the last read)',
    labels: SHARD,
    counterpart: 'KCL MillisBehindLatest, Lambda IteratorAge',
  },
  checkpointMoved: {
    name: 'ksp_checkpoint_moved_timestamp_seconds',
    kind: 'gauge',
    unit: 'seconds',
    help: 'Unix time the checkpoint last moved; `time() - ksp_checkpoint_moved_timestamp_seconds` is its age',
    labels: SHARD,
    counterpart: '(none: KCL and Lambda do not expose it)',
  },
  shardState: {
    name: 'ksp_shard_state',
    kind: 'gauge',
    unit: 'shards',
    help: '1 for the state the shard is in (running, paused, waiting-for-parents, stopped, finished), 0 otherwise',
    labels: [...SHARD, 'state'],
    counterpart: '(none: KCL lease table, Lambda ESM State)',
  },
  producerRecordsPut: {
    name: 'ksp_producer_records_put',
    kind: 'counter',
    unit: 'records',
    help: 'User records the producer got acknowledged by Kinesis',
    labels: ['stream'],
    counterpart: 'KPL UserRecordsPut',
  },
  producerRetries: {
    name: 'ksp_producer_retries',
    kind: 'counter',
    unit: 'records',
    help: 'Records the producer put again after a failed entry or call',
    labels: ['stream'],
    counterpart: 'KPL RetriesPerRecord',
  },
  producerThrottles: {
    name: 'ksp_producer_throttles',
    kind: 'counter',
    unit: 'records',
    help: 'Entries or calls answered ProvisionedThroughputExceeded',
    labels: ['stream'],
    counterpart: 'KPL ErrorsByCode',
  },
  producerBufferedRecords: {
    name: 'ksp_producer_buffered_records',
    kind: 'gauge',
    unit: 'records',
    help: 'Records waiting in the producer buffer',
    labels: ['stream'],
    counterpart: 'KPL UserRecordsPending',
  },
  producerPutLatency: {
    name: 'ksp_producer_put_latency',
    kind: 'histogram',
    unit: 'seconds',
    help: 'From put() to the acknowledgement',
    labels: ['stream'],
    counterpart: 'KPL BufferingTime + RequestTime',
  },
  replayMessages: {
    name: 'ksp_dlq_replay_messages',
    kind: 'counter',
    unit: 'messages',
    help: 'DLQ messages a replay finished with, by result (replayed, failed, parked, skipped)',
    labels: ['queue', 'result'],
    counterpart: '(none: Lambda DLQs have no replay)',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricId = keyof typeof METRICS;

/** The name Prometheus shows: counters get `_total`, histograms their unit suffix. */
export function exportedName(spec: MetricSpec): string {
  if (spec.kind === 'counter') return `${spec.name}_total`;
  if (spec.kind === 'histogram') return `${spec.name}_${spec.unit}`;
  return spec.name;
}
