import { interpretBatchResult } from '../../src/handler/batch-result';
import { makeAggregate, makeBatch, makeRecord, sequenceNumber, SHARD_ID } from '../helpers/records';

const batch = makeBatch(5); // sequence numbers 1…5 at positions 0…4
const seq = (n: number): string => sequenceNumber(n);
const failures = (...ids: unknown[]): unknown => ({
  batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })),
});

describe('interpretBatchResult', () => {
  describe.each([
    ['undefined', undefined],
    ['null', null],
    ['an object without batchItemFailures', { processed: 5 }],
    ['batchItemFailures: null', { batchItemFailures: null }],
    ['batchItemFailures: undefined', { batchItemFailures: undefined }],
    ['batchItemFailures: []', { batchItemFailures: [] }],
  ])('when the handler returns %s', (_what, result) => {
    it('the whole batch succeeded', () => {
      // Act
      const outcome = interpretBatchResult(batch, result);
      // Assess
      expect(outcome).toEqual({ kind: 'ok' });
    });
  });

  describe.each([
    ['one failure by sequence number', failures(seq(3)), 2, [2]],
    ['failures out of order', failures(seq(5), seq(2), seq(4)), 1, [1, 3, 4]],
    ['the same record twice', failures(seq(2), seq(2)), 1, [1]],
    ['the first record', failures(seq(1)), 0, [0]],
    ['a record by idempotency key', failures(`${SHARD_ID}:${seq(4)}`), 3, [3]],
  ])('%s', (_what, result, lowest, failed) => {
    it(`is partial from position ${lowest}`, () => {
      // Act
      const outcome = interpretBatchResult(batch, result);
      // Assess
      expect(outcome).toEqual({ kind: 'partial', lowestFailedIndex: lowest, failedIndexes: failed });
    });
  });

  describe.each([
    ['an empty itemIdentifier', failures(''), 'batchItemFailures[0].itemIdentifier is empty'],
    ['a null itemIdentifier', failures(seq(1), null), 'batchItemFailures[1].itemIdentifier is null'],
    [
      'a missing itemIdentifier (a bad key name)',
      { batchItemFailures: [{ itemId: seq(1) }] },
      'batchItemFailures[0].itemIdentifier is missing',
    ],
    ['a numeric itemIdentifier', failures(3), 'batchItemFailures[0].itemIdentifier is a number'],
    [
      'an unknown sequence number',
      failures(seq(2), seq(99)),
      `batchItemFailures[1].itemIdentifier "${seq(99)}" matches no record of this batch of 5`,
    ],
    [
      'an entry that is not an object',
      { batchItemFailures: [seq(1)] },
      `batchItemFailures[0] is the string "${seq(1)}", not { itemIdentifier }`,
    ],
    [
      'batchItemFailures that is not a list',
      { batchItemFailures: { itemIdentifier: seq(1) } },
      'batchItemFailures is an object, not an array',
    ],
    ['a string instead of an object', 'done', 'the handler returned the string "done"'],
    ['true', true, 'the handler returned a boolean'],
  ])('%s', (_what, result, reason) => {
    it('fails the whole batch and says why', () => {
      // Act
      const outcome = interpretBatchResult(batch, result);
      // Assess
      expect(outcome.kind).toBe('failed');
      expect(outcome.kind === 'failed' ? outcome.reason : '').toContain(reason);
    });
  });

  it('fails the whole batch when an identifier names a record of an empty batch', () => {
    // Act
    const outcome = interpretBatchResult([], failures(seq(1)));
    // Assess
    expect(outcome).toMatchObject({ kind: 'failed' });
  });

  describe('inside a KPL aggregate', () => {
    // Prepare: a plain record, then an aggregate of three user records, then a plain record.
    const records = [
      makeRecord({ sequenceNumber: seq(6) }),
      ...makeAggregate(3, seq(7)),
      makeRecord({ sequenceNumber: seq(8) }),
    ];

    it('a sequence number fails every user record of the aggregate, from its first', () => {
      // Act
      const outcome = interpretBatchResult(records, failures(seq(7)));
      // Assess
      expect(outcome).toEqual({ kind: 'partial', lowestFailedIndex: 1, failedIndexes: [1, 2, 3] });
    });

    it('an idempotency key fails one user record', () => {
      // Act
      const outcome = interpretBatchResult(records, failures(`${SHARD_ID}:${seq(7)}:2`));
      // Assess
      expect(outcome).toEqual({ kind: 'partial', lowestFailedIndex: 3, failedIndexes: [3] });
    });
  });
});
