/**
 * The batch activity with filterCriteria, on kinesalite: records no filter matches never reach
 * the handler, the checkpoint moves past them with the batch, and the result counts them
 * (`filteredOut`); KPL sub-records are filtered one by one; a retry resumes at the first record the
 * handler did not confirm, past the filtered-out records before it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { compileFilterCriteria } from '../../src/filter/criteria';
import { encodeAggregate } from '../../src/kpl';
import { batchInput, decode, useEmulators } from './harness';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const event = (type: string, n: number): string => JSON.stringify({ type, n });
/** Criteria as the options compiler hands them to the workflow. */
const criteria = (...patterns: object[]) =>
  compileFilterCriteria({ filters: patterns.map((p) => ({ pattern: JSON.stringify(p) })) });
const ORDERS = criteria({ data: { type: ['order'] } });

describe('processBatch with filterCriteria (kinesalite)', () => {
  const suite = useEmulators('kinesalite');

  it('hands over only matching records, counts the rest, and checkpoints past a filtered-out tail', async () => {
    // Prepare
    const data = [
      event('order', 0),
      event('click', 1),
      event('order', 2),
      event('click', 3),
      event('click', 4),
    ];
    const { streamName, shardId, puts } = await suite.stream('filter-mixed', data);
    // Act
    const result = await suite.harness.run(batchInput({ streamName, shardId, filterCriteria: ORDERS }));
    const next = await suite.harness.run(
      batchInput({ streamName, shardId, filterCriteria: ORDERS, checkpoint: result.checkpoint }),
    );
    // Assess
    expect(suite.harness.receivedData()).toEqual([event('order', 0), event('order', 2)]);
    expect(result).toMatchObject({
      outcome: 'handled',
      fetched: 5,
      handlerRecords: 2,
      handled: 2,
      filteredOut: 3,
      checkpoint: { sequenceNumber: puts[4]?.sequenceNumber },
    });
    expect(next).toMatchObject({ outcome: 'idle', fetched: 0, filteredOut: 0 });
    expect(suite.harness.batches).toHaveLength(1);
  });

  it('a batch that is all filtered out never calls the handler and moves the checkpoint to its end', async () => {
    // Prepare
    const { streamName, shardId, puts } = await suite.stream('filter-none', [
      event('click', 0),
      event('view', 1),
    ]);
    // Act
    const result = await suite.harness.run(batchInput({ streamName, shardId, filterCriteria: ORDERS }));
    // Assess
    expect(suite.harness.batches).toEqual([]);
    expect(result).toMatchObject({
      outcome: 'handled',
      fetched: 2,
      handlerRecords: 0,
      handled: 0,
      filteredOut: 2,
      failure: null,
      checkpoint: { sequenceNumber: puts[1]?.sequenceNumber },
    });
  });

  it('data that is not JSON: dropped by a filter on data, kept by a filter on the partition key', async () => {
    // Prepare
    const { streamName, shardId } = await suite.stream('filter-text', ['plain text', event('order', 1)]);
    const byKey = criteria({ partitionKey: ['pk-1'] });
    // Act
    const onData = await suite.harness.run(batchInput({ streamName, shardId, filterCriteria: ORDERS }));
    const onKey = await suite.newHarness().run(batchInput({ streamName, shardId, filterCriteria: byKey }));
    // Assess
    expect(suite.harness.receivedData()).toEqual([event('order', 1)]);
    expect([onData.filteredOut, onKey.filteredOut]).toEqual([1, 0]);
    expect(onKey.handled).toBe(2);
  });

  it('KPL sub-records are filtered one by one; the checkpoint lands on the last sub-record', async () => {
    // Prepare: one aggregate of five user records under two keys, then a plain record
    const aggregate = encodeAggregate(
      [0, 1, 2, 3, 4].map((i) => ({ partitionKey: `tenant-${i % 2}`, data: text(event('order', i)) })),
    );
    const { streamName, shardId, puts } = await suite.stream('filter-kpl', [aggregate, event('order', 5)]);
    const tenant0 = criteria({ partitionKey: ['tenant-0'], data: { n: [{ numeric: ['<', 4] }] } });
    // Act
    const result = await suite.harness.run(
      batchInput({ streamName, shardId, batchSize: 5, filterCriteria: tenant0 }),
    );
    // Assess
    const handed = suite.harness.batches.flat();
    expect(handed.map((r) => [decode(r.data), r.partitionKey, r.subSequenceNumber])).toEqual([
      [event('order', 0), 'tenant-0', 0],
      [event('order', 2), 'tenant-0', 2],
    ]);
    expect(result).toMatchObject({
      fetched: 5,
      handled: 2,
      filteredOut: 3,
      checkpoint: { sequenceNumber: puts[0]?.sequenceNumber, subSequenceNumber: 4 },
    });
  });

  it('a partial failure: the retry starts at the failed record, past the filtered-out records before it', async () => {
    // Prepare
    const data = [
      event('order', 0),
      event('click', 1),
      event('order', 2),
      event('click', 3),
      event('order', 4),
    ];
    const { streamName, shardId, puts } = await suite.stream('filter-partial', data);
    suite.harness.behaviour = async (records) => ({
      batchItemFailures: records
        .filter((r) => decode(r.data) === event('order', 4))
        .map((r) => ({ itemIdentifier: r.idempotencyKey })),
    });
    // Act
    const failed = await suite.harness.run(batchInput({ streamName, shardId, filterCriteria: ORDERS }));
    suite.harness.behaviour = async () => undefined;
    const retried = await suite.harness.run(
      batchInput({ streamName, shardId, filterCriteria: ORDERS, checkpoint: failed.checkpoint, attempt: 2 }),
    );
    // Assess
    expect(failed).toMatchObject({
      outcome: 'retry',
      failure: 'records',
      handlerRecords: 3,
      handled: 2,
      filteredOut: 2,
      checkpoint: { sequenceNumber: puts[3]?.sequenceNumber },
    });
    expect(retried).toMatchObject({ outcome: 'handled', handled: 1, filteredOut: 0 });
    expect(retried.checkpoint).toEqual({ sequenceNumber: puts[4]?.sequenceNumber });
    expect(suite.harness.batches.map((b) => b.map((r) => decode(r.data)))).toEqual([
      [event('order', 0), event('order', 2), event('order', 4)],
      [event('order', 4)],
    ]);
  });

  it('without filterCriteria the result has no filteredOut field and every record is handled', async () => {
    const { streamName, shardId } = await suite.stream('filter-off', [event('click', 0)]);
    const result = await suite.harness.run(batchInput({ streamName, shardId }));
    expect(result).not.toHaveProperty('filteredOut');
    expect(result.handled).toBe(1);
  });

  it('hand-made criteria that do not compile fail the call for good (KspProgrammingError: the shard pauses)', async () => {
    // Prepare
    const { streamName, shardId } = await suite.stream('filter-bad', [event('order', 0)]);
    const bad = { filters: [{ pattern: '{"data": {"type": "order"}}' }] };
    // Act
    const outcome = suite.harness.run(batchInput({ streamName, shardId, filterCriteria: bad }));
    // Assess
    await expect(outcome).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(outcome).rejects.toMatchObject({
      type: 'KspProgrammingError',
      nonRetryable: true,
      message: expect.stringContaining('filterCriteria.filters[0].pattern') as unknown,
    });
    expect(suite.harness.batches).toEqual([]);
  });
});
