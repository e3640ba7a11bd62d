/**
 * Workflow inputs as older releases stored them, copied from the recorded histories in
 * test/fixtures/histories: what the upgrade steps at the workflows' entries must accept.
 */
import type { StoredStreamOptions } from '../../src/config/stored-options';

/** As the first release compiled them (shard-workflow-v1.binpb, stream-workflow-v1.binpb). */
export const FIRST_RELEASE_OPTIONS: StoredStreamOptions = {
  streamName: 'orders',
  startPosition: { type: 'TRIM_HORIZON' },
  batchSize: 100,
  maxPollWaitMs: 300000,
  idlePollIntervalMs: 1000,
  retry: { maximumAttempts: 3, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 60000 },
  dlqQueueUrl: 'http://127.0.0.1:1/000000000000/orders-dlq',
  progressIntervalMs: 1000,
  heartbeatTimeoutMs: 30000,
  maxHistoryEvents: 10000,
};

/** With the failure policy, before the batching window (shard-workflow-bisect-v1.binpb). */
export const FAILURE_POLICY_RELEASE_OPTIONS: StoredStreamOptions = {
  ...FIRST_RELEASE_OPTIONS,
  batchSize: 16,
  retry: { ...FIRST_RELEASE_OPTIONS.retry, maximumAttempts: 2, nonRetryableErrorTypes: ['ValidationError'] },
  maximumRecordAgeMs: 3600000,
  bisectBatchOnError: true,
};
