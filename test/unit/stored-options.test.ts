/**
 * Options stored in workflow inputs by older releases upgrade to the current shape (the stored
 * shapes are copied from the recorded histories in test/fixtures/histories).
 */
import { upgradeCompiledOptions } from '../../src/config/stored-options';
import { testOptions } from '../helpers/fake-batches';
import { FAILURE_POLICY_RELEASE_OPTIONS, FIRST_RELEASE_OPTIONS } from '../helpers/stored-inputs';

describe('upgradeCompiledOptions', () => {
  test('first-release options get the behaviour they had: no expiry, no bisect, no batching window', () => {
    expect(upgradeCompiledOptions(FIRST_RELEASE_OPTIONS)).toEqual({
      ...FIRST_RELEASE_OPTIONS,
      retry: { ...FIRST_RELEASE_OPTIONS.retry, nonRetryableErrorTypes: [] },
      maximumRecordAgeMs: null,
      bisectBatchOnError: false,
      maxBatchingWindowMs: 0,
      errorDetail: 'message',
      parallelization: 1,
      quarantineKeys: false,
      maxQuarantinedKeys: 100,
      // Stored before owed records: a retry keeps redelivering Lambda's way.
      maxOwedRecords: 0,
      // Runs from before the consuming loop keep one batch per activity.
      busyPollIntervalMs: 400,
      maxActivityLifetimeMs: 0,
    });
  });

  test('options from the failure-policy release keep their policy and get no batching window', () => {
    expect(upgradeCompiledOptions(FAILURE_POLICY_RELEASE_OPTIONS)).toEqual({
      ...FAILURE_POLICY_RELEASE_OPTIONS,
      maxBatchingWindowMs: 0,
      errorDetail: 'message',
      parallelization: 1,
      quarantineKeys: false,
      maxQuarantinedKeys: 100,
      // Stored before owed records: a retry keeps redelivering Lambda's way.
      maxOwedRecords: 0,
      // Runs from before the consuming loop keep one batch per activity.
      busyPollIntervalMs: 400,
      maxActivityLifetimeMs: 0,
    });
  });

  test('current options come back unchanged', () => {
    const current = testOptions({
      maxBatchingWindow: '2s',
      bisectBatchOnError: true,
      maximumRecordAge: '1h',
      retry: { nonRetryableErrorTypes: ['ValidationError'] },
      filterCriteria: { filters: [{ pattern: '{"partitionKey": ["a"]}' }] },
      parallelization: 4,
      quarantineKeys: true,
      maxQuarantinedKeys: 10,
      maxOwedRecords: 50,
    });
    expect(upgradeCompiledOptions(current)).toEqual(current);
  });

  test('current options with a filter and a role come back unchanged (both reach the batches)', () => {
    const current = testOptions({
      streamName: 'arn:aws:kinesis:eu-west-1:123456789012:stream/orders',
      roleArn: 'arn:aws:iam::123456789012:role/ksp-reader',
      filterCriteria: { filters: [{ pattern: '{"data": {"type": ["order"]}}' }] },
    });
    expect(current.filterCriteria).toBeDefined();
    expect(upgradeCompiledOptions(current)).toEqual(current);
  });

  test('the upgraded options share no object with the stored ones', () => {
    const upgraded = upgradeCompiledOptions(FAILURE_POLICY_RELEASE_OPTIONS);
    expect(upgraded.retry).not.toBe(FAILURE_POLICY_RELEASE_OPTIONS.retry);
  });
});
