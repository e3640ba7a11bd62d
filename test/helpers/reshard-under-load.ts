/**
 * Resharding under load, the scenario both backends run: a producer writes continuously over 200
 * partition keys while the reshard workflow changes the shard layout step by step, each step once
 * the shards of the previous layout have handled records. Then it drains and checks that nothing
 * was lost, per-key order held across every parent → child edge, every closed shard's workflow
 * completed and every open shard's runs.
 */
import { ListShardsCommand } from '@aws-sdk/client-kinesis';
import { reshardResult, startReshard } from '../../src/client/reshard-control';
import { startStream, stopStream, streamHandle, streamStatus } from '../../src/client/stream-control';
import { shardWorkflowId } from '../../src/constants';
import { compileStreamOptions } from '../../src/config/stream-options';
import { runDemoProducer } from '../../src/producer/demo-producer';
import { hashShare } from '../../src/workflows/hash-range';
import type { OpenShard, ReshardRequest, ReshardResult } from '../../src/workflows/reshard-messages';
import type { ShardWorkflowResult } from '../../src/workflows/shard';
import type { IntegrationSuite } from './integration-stack';
import { type SinkLine, orderViolations, readSink } from './pipeline';
import { waitFor } from './wait';

const KEYS = 200;
const RATE = 200;

/** A reshard request, or one made from the previous reshard's result. */
export type ReshardStep = ReshardRequest | ((previous: ReshardResult) => ReshardRequest);

/** The open shard with the widest hash range. */
export function widest(shards: OpenShard[]): OpenShard {
  return shards.reduce((a, b) => (hashShare(b) > hashShare(a) ? b : a));
}

/** Sink lines of first deliveries, in delivery order (a redelivery keeps its first position). */
function firstDeliveries(lines: SinkLine[]): SinkLine[] {
  const seen = new Set<string>();
  return lines.filter((l) => !seen.has(l.key) && !!seen.add(l.key));
}

export async function reshardUnderLoad(
  suite: IntegrationSuite,
  kind: string,
  steps: ReshardStep[],
): Promise<ReshardResult[]> {
  // Prepare
  const { kinesis, temporal } = suite;
  const t = await suite.setup(4);
  const { streamName, taskQueue, sinkFile } = t;
  suite.worker(t);
  const options = compileStreamOptions({
    streamName,
    batchSize: 200,
    maxPollWait: '2s',
    idlePollInterval: '200ms',
    progressInterval: '1s',
    dlqQueueUrl: t.dlqUrl,
  });
  await startStream(temporal, taskQueue, { options });
  const abort = new AbortController();
  const producing = runDemoProducer({ kinesis, streamName, rate: RATE, keys: KEYS, signal: abort.signal });
  const handledOn = (shards: ReadonlySet<string>) =>
    readSink(sinkFile).filter((l) => shards.has(l.shardId)).length;

  // Act: each reshard once the current open shards have handled records: mid-stream for sure.
  let open = new Set<string>();
  const results: ReshardResult[] = [];
  try {
    for (const step of [...steps, null]) {
      await waitFor(() => (open.size === 0 ? readSink(sinkFile).length >= 400 : handledOn(open) >= 300), {
        timeoutMs: 60_000,
        intervalMs: 250,
        what: `records handled on ${open.size || 'the first'} shards`,
      });
      if (!step) break;
      const previous = results[results.length - 1];
      const request = typeof step === 'function' && previous ? step(previous) : (step as ReshardRequest);
      const result = await reshardResult(
        await startReshard(temporal, taskQueue, { streamName, request, requestedBy: 'test' }),
      );
      results.push(result);
      open = new Set(result.after.map((s) => s.shardId));
    }
  } finally {
    abort.abort();
  }
  const produced = await producing;
  await waitFor(() => new Set(readSink(sinkFile).map((l) => l.key)).size >= produced.produced, {
    timeoutMs: 60_000,
    intervalMs: 500,
    what: `all ${produced.produced} produced records in the sink`,
  });

  // Assess: nothing lost, nothing extra.
  const lines = firstDeliveries(readSink(sinkFile));
  const byKey = new Map<string, number[]>();
  for (const l of lines) byKey.set(l.partitionKey, [...(byKey.get(l.partitionKey) ?? []), l.record.n]);
  expect(lines).toHaveLength(produced.produced);
  expect(byKey.size).toBe(KEYS);
  for (const [key, ns] of byKey) {
    const expected =
      Math.floor(produced.produced / KEYS) + (Number(key.slice(4)) < produced.produced % KEYS ? 1 : 0);
    expect({ key, ns: [...ns].sort((a, b) => a - b) }).toEqual({
      key,
      ns: Array.from({ length: expected }, (_, i) => i),
    });
  }
  // Per-key order, and across every parent → child edge the child's first record after the parent's last.
  expect(orderViolations(lines)).toEqual([]);
  const listed = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const position = (shardId: string, which: 'first' | 'last') => {
    const at = lines.map((l, i) => (l.shardId === shardId ? i : -1)).filter((i) => i >= 0);
    return which === 'first' ? (at[0] ?? Infinity) : (at[at.length - 1] ?? -Infinity);
  };
  const edges = listed.flatMap((s) =>
    [s.ParentShardId, s.AdjacentParentShardId]
      .filter((p): p is string => !!p)
      .map((p) => [p, s.ShardId as string]),
  );
  expect(edges.length).toBeGreaterThanOrEqual(8 + 8 + 2);
  const exercised = edges.filter(
    ([p, c]) => position(p!, 'first') !== Infinity && position(c!, 'first') !== Infinity,
  );
  expect(exercised.length).toBeGreaterThanOrEqual(12); // the shards between 8 → 4 → 3 may live too briefly for records
  for (const [parent, child] of edges) {
    expect({ parent, child, ordered: position(parent!, 'last') < position(child!, 'first') }).toEqual({
      parent,
      child,
      ordered: true,
    });
  }
  // Every closed shard's workflow completed at its end; every open shard's workflow runs.
  for (const s of listed) {
    const handle = temporal.workflow.getHandle(shardWorkflowId(streamName, s.ShardId ?? ''));
    const closed = s.SequenceNumberRange?.EndingSequenceNumber !== undefined;
    await waitFor(async () => (await handle.describe()).status.name === (closed ? 'COMPLETED' : 'RUNNING'), {
      timeoutMs: 20_000,
      what: `the workflow of ${closed ? 'closed' : 'open'} shard ${s.ShardId} ${closed ? 'completed' : 'running'}`,
    });
    if (closed) expect(((await handle.result()) as ShardWorkflowResult).reason).toBe('shard-ended');
  }
  const status = await streamStatus(temporal, streamName);
  expect(status.reshards?.map((e) => [e.from, e.to])).toEqual(
    results.flatMap((r) => r.steps.map((s) => [s.from, s.to])),
  );
  console.info(
    `${kind}: ${produced.produced} records over ${KEYS} keys, ${results.map((r) => `${r.before.length} → ${r.after.length} (${r.steps.map((s) => `${s.calls.length}× ${s.method}`).join(', ')})`).join(', ')}; ${edges.length} parent → child edges in order, ${exercised.length} with records on both sides`,
  );
  await stopStream(temporal, streamName);
  await streamHandle(temporal, streamName).result();
  return results;
}
