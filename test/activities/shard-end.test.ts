/**
 * Resharding: a split closes the parent; draining it must end with `shardEnded` (and the children,
 * where the backend names them in GetRecords), and describeStream must show the lineage the stream
 * workflow orders shards by (DESIGN.md rule 5).
 */
import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { BACKENDS, payloads, waitForActive } from '../helpers/kinesis';
import { waitFor } from '../helpers/wait';
import { batchInput, useEmulators } from './harness';

/** The middle of the 128-bit hash key space: the split gives two equal children. */
const MIDDLE_HASH_KEY = (2n ** 127n).toString();

describe.each(BACKENDS)('shard end after SplitShard on %s', (kind) => {
  const suite = useEmulators(kind);

  /** A one-shard stream with 5 records, split in two; returns the parent and the children. */
  async function splitStream(): Promise<{ streamName: string; parent: string; children: string[] }> {
    const { streamName, shardId: parent } = await suite.stream('split', payloads(0, 5));
    await suite.harness.kinesis.send(
      new SplitShardCommand({
        StreamName: streamName,
        ShardToSplit: parent,
        NewStartingHashKey: MIDDLE_HASH_KEY,
      }),
    );
    await waitForActive(suite.harness.kinesis, streamName);
    const description = await waitFor(
      async () => {
        const d = await suite.harness.activities.describeStream({ streamName });
        return d.shards.length === 3 ? d : undefined;
      },
      { what: `3 shards in ${streamName}` },
    );
    const children = description.shards.map((s) => s.shardId).filter((id) => id !== parent);
    return { streamName, parent, children };
  }

  it('drains the closed parent to shardEnded, every record once, in order', async () => {
    const { streamName, parent, children } = await splitStream();

    const results = await suite.harness.drain(batchInput({ streamName, shardId: parent, batchSize: 2 }));

    expect(suite.harness.receivedData()).toEqual(payloads(0, 5));
    const last = results[results.length - 1];
    expect(last?.shardEnded).toBe(true);
    expect(results.slice(0, -1).every((r) => !r.shardEnded)).toBe(true);
    if (kind === 'kinesis-local') {
      // ChildShards arrive with the last records.
      expect(last?.childShardIds?.slice().sort()).toEqual(children.slice().sort());
    } else {
      // kinesalite sends no ChildShards: the stream workflow falls back to ListShards parents.
      expect(last?.childShardIds).toBeNull();
    }
    expect(last?.outcome).toBe('handled');
    expect(last?.checkpoint).toEqual({ sequenceNumber: suite.harness.batches.flat().pop()?.sequenceNumber });
  });

  it('a checkpoint at the parent’s last record still ends the shard, with no record again', async () => {
    const { streamName, parent, children } = await splitStream();
    const read = await suite.harness.run(batchInput({ streamName, shardId: parent }));
    expect(suite.harness.receivedData()).toEqual(payloads(0, 5));

    // Another worker (no cached iterator) continues from the checkpoint at the end of the parent,
    // as after a crash between handling the last batch and the workflow seeing shardEnded.
    const other = suite.newHarness();
    const end = await other.run(
      batchInput({ streamName, shardId: parent, checkpoint: read.checkpoint, maxPollWaitMs: 5_000 }),
    );
    expect(end).toMatchObject({ shardEnded: true, fetched: 0, checkpoint: read.checkpoint });
    expect(end.childShardIds?.slice().sort() ?? null).toEqual(
      kind === 'kinesis-local' ? children.slice().sort() : null,
    );
    expect(other.batches).toHaveLength(0);
  });

  it('a split during an idle poll ends the poll with shardEnded', async () => {
    const { streamName, shardId: parent } = await suite.stream('split-idle');
    const started = suite.harness.start(
      batchInput({ streamName, shardId: parent, maxPollWaitMs: 20_000, idlePollIntervalMs: 200 }),
    );
    await waitFor(() => started.heartbeats.length >= 1, { what: 'the idle poll', intervalMs: 10 });
    const t0 = Date.now();

    await suite.harness.kinesis.send(
      new SplitShardCommand({
        StreamName: streamName,
        ShardToSplit: parent,
        NewStartingHashKey: MIDDLE_HASH_KEY,
      }),
    );
    const result = await started.result;

    expect(result).toMatchObject({ shardEnded: true, fetched: 0, checkpoint: null });
    expect(Date.now() - t0).toBeLessThan(5_000);
    if (kind === 'kinesis-local') expect(result.childShardIds).toHaveLength(2);
    else expect(result.childShardIds).toBeNull();
  });

  it('describeStream reports the parent closed and both children open with their parent', async () => {
    const { streamName, parent, children } = await splitStream();

    const description = await suite.harness.activities.describeStream({ streamName });

    expect(description.streamName).toBe(streamName);
    expect(description.streamArn).toContain(streamName);
    expect(description.status).toBe('ACTIVE');
    expect(description.shards).toEqual(
      expect.arrayContaining([
        { shardId: parent, parentShardIds: [], closed: true },
        ...children.map((shardId) => ({ shardId, parentShardIds: [parent], closed: false })),
      ]),
    );
    expect(children).toHaveLength(2);
  });
});
