/**
 * Faults the emulators never produce, injected into PutRecords by client middleware (initialize
 * step, before the SDK's own retries): failed entries (dropped from the request before it is
 * sent, so a failed entry is really not written, then reported with an ErrorCode at its index),
 * throttled calls, and slow calls. Also reads a whole stream back, de-aggregated, for checks.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { deaggregate } from '../../src/kpl';
import { seededRandom } from '../../chaos/seeded-random';
import { throttled } from './kinesis';

export { seededRandom };

export interface FaultPlan {
  /** Share of entries answered with `entryErrorCode` instead of being written. */
  entryFailureRate?: number;
  /** @default 'ProvisionedThroughputExceededException' */
  entryErrorCode?:
    | string
    | ((index: number, entry: NonNullable<PutRecordsCommandInput['Records']>[number]) => string);
  /** Share of calls that throw ProvisionedThroughputExceededException. */
  callThrottleRate?: number;
  /** The first calls that throw it, whatever the rate says. */
  throttleFirstCalls?: number;
  /** Delay added to every call. */
  delayMs?: number;
  /** Decides per entry whether it fails (overrides entryFailureRate). */
  failEntry?: (entry: NonNullable<PutRecordsCommandInput['Records']>[number]) => boolean;
  seed?: number;
}

export class PutRecordsFaults {
  calls = 0;
  failedEntries = 0;
  throttledCalls = 0;
  /** Entries per call that reached the backend (after dropping the failed ones). */
  readonly sentPerCall: number[] = [];
  plan: FaultPlan;
  private readonly random: () => number;

  constructor(kinesis: KinesisClient, plan: FaultPlan = {}) {
    this.plan = plan;
    this.random = seededRandom(plan.seed ?? 42);
    kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'PutRecordsCommand') return next(args);
        this.calls++;
        if (this.plan.delayMs) await new Promise((r) => setTimeout(r, this.plan.delayMs));
        if (
          this.calls <= (this.plan.throttleFirstCalls ?? 0) ||
          this.random() < (this.plan.callThrottleRate ?? 0)
        ) {
          this.throttledCalls++;
          throw throttled();
        }
        const input = args.input as PutRecordsCommandInput;
        const records = input.Records ?? [];
        const failed = new Map<number, string>();
        records.forEach((entry, i) => {
          const fails = this.plan.failEntry
            ? this.plan.failEntry(entry)
            : this.random() < (this.plan.entryFailureRate ?? 0);
          if (!fails) return;
          const code = this.plan.entryErrorCode ?? 'ProvisionedThroughputExceededException';
          failed.set(i, typeof code === 'function' ? code(i, entry) : code);
        });
        if (failed.size === 0) {
          this.sentPerCall.push(records.length);
          return next(args);
        }
        this.failedEntries += failed.size;
        const kept = records.filter((_, i) => !failed.has(i));
        this.sentPerCall.push(kept.length);
        const sent =
          kept.length > 0
            ? ((await next({ ...args, input: { ...input, Records: kept } })) as {
                output: PutRecordsCommandOutput;
                response: unknown;
              })
            : {
                output: { Records: [], $metadata: { httpStatusCode: 200 } } as PutRecordsCommandOutput,
                response: {},
              };
        const results: PutRecordsResultEntry[] = [];
        let j = 0;
        for (let i = 0; i < records.length; i++) {
          const code = failed.get(i);
          results.push(
            code !== undefined
              ? { ErrorCode: code, ErrorMessage: `injected ${code}` }
              : (sent.output.Records?.[j++] ?? { ErrorCode: 'InternalFailure' }),
          );
        }
        const failedCount = results.filter((r) => r.ErrorCode).length;
        return { ...sent, output: { ...sent.output, Records: results, FailedRecordCount: failedCount } };
      },
      { step: 'initialize', name: 'putRecordsFaults' },
    );
  }
}

/** One user record as read back from the stream. */
export interface ReadBack {
  shardId: string;
  sequenceNumber: string;
  subSequenceNumber?: number;
  partitionKey: string;
  data: string;
}

/** Every record of every shard, from TRIM_HORIZON, aggregates expanded, in shard order. */
export async function readStream(kinesis: KinesisClient, streamName: string): Promise<ReadBack[]> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: streamName }))).Shards ?? [];
  const out: ReadBack[] = [];
  for (const shard of shards) {
    const shardId = shard.ShardId ?? '';
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: streamName,
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        const data = r.Data ?? new Uint8Array(0);
        const base = { shardId, sequenceNumber: r.SequenceNumber ?? '' };
        const parts = deaggregate(data);
        if (parts.kind === 'aggregate') {
          parts.records.forEach((u, i) =>
            out.push({
              ...base,
              subSequenceNumber: i,
              partitionKey: u.partitionKey,
              data: Buffer.from(u.data).toString(),
            }),
          );
        } else {
          out.push({ ...base, partitionKey: r.PartitionKey ?? '', data: Buffer.from(data).toString() });
        }
      }
      if ((page.Records ?? []).length === 0 && !page.MillisBehindLatest) break; // at the tip of an open shard
      iterator = page.NextShardIterator;
    }
  }
  return out;
}
