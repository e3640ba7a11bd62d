/**
 * Options stored in workflow inputs by older releases upgrade to the current shape. The stored
 * shapes below are copied from the recorded histories in test/fixtures/histories.
 */
import { type StoredStreamOptions, upgradeCompiledOptions } from '../../src/config/stored-options';
import { testOptions } from '../helpers/fake-batches';

/** As the first release wrote them (shard-workflow-v1.binpb, stream-workflow-v1.binpb). */
const FIRST_RELEASE: StoredStreamOptions = {
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
const FAILURE_POLICY_RELEASE: StoredStreamOptions = {
  ...FIRST_RELEASE,
  batchSize: 16,
  retry: { ...FIRST_RELEASE.retry, maximumAttempts: 2, nonRetryableErrorTypes: ['ValidationError'] },
  maximumRecordAgeMs: 3600000,
  bisectBatchOnError: true,
};

describe('upgradeCompiledOptions', () => {
  test('first-release options get the behaviour they had: no expiry, no bisect, no batching window', () => {
    expect(upgradeCompiledOptions(FIRST_RELEASE)).toEqual({
      ...FIRST_RELEASE,
      retry: { ...FIRST_RELEASE.retry, nonRetryableErrorTypes: [] },
      maximumRecordAgeMs: null,
      bisectBatchOnError: false,
      maxBatchingWindowMs: 0,
    });
  });

  test('options from the failure-policy release keep their policy and get no batching window', () => {
    expect(upgradeCompiledOptions(FAILURE_POLICY_RELEASE)).toEqual({
      ...FAILURE_POLICY_RELEASE,
      maxBatchingWindowMs: 0,
    });
  });

  test('current options come back unchanged', () => {
    const current = testOptions({
      maxBatchingWindow: '2s',
      bisectBatchOnError: true,
      maximumRecordAge: '1h',
      retry: { nonRetryableErrorTypes: ['ValidationError'] },
    });
    expect(upgradeCompiledOptions(current)).toEqual(current);
  });

  test('the upgraded options share no object with the stored ones', () => {
    const upgraded = upgradeCompiledOptions(FAILURE_POLICY_RELEASE);
    expect(upgraded.retry).not.toBe(FAILURE_POLICY_RELEASE.retry);
  });
});
