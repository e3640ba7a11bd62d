/**
 * Stream-level I/O for the stream workflow: describe the stream and its shard lineage.
 */
import {
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
} from '@aws-sdk/client-kinesis';
import { classifyAwsError } from '../../aws/classify';
import { ErrorType } from '../../errors';
import { streamParams } from '../../aws/stream-ref';
import type { StreamIdentity } from '../../workflows/stream-identity';

/** One shard and its parents, as the stream workflow needs them for lineage order. */
export interface ShardInfo {
  shardId: string;
  parentShardIds: string[];
  /** Closed by a reshard (has an ending sequence number); it may still hold unread records. */
  closed: boolean;
}

export interface StreamDescription {
  streamName: string;
  streamArn: string;
  status: string;
  shards: ShardInfo[];
  /** ARN and creation time: tells this stream from one deleted and recreated under its name. */
  identity?: StreamIdentity;
}

export class StreamDiscovery {
  private readonly arns = new Map<string, string>();

  constructor(private readonly kinesis: KinesisClient) {}

  async streamArn(streamName: string): Promise<string> {
    const known = this.arns.get(streamName);
    if (known !== undefined) return known;
    const summary = await this.summary(streamName);
    return summary.arn;
  }

  private async summary(
    streamName: string,
  ): Promise<{ arn: string; status: string; identity?: StreamIdentity }> {
    try {
      const out = await this.kinesis.send(new DescribeStreamSummaryCommand(streamParams(streamName)));
      const d = out.StreamDescriptionSummary;
      const arn = d?.StreamARN ?? `arn:aws:kinesis:unknown:000000000000:stream/${streamName}`;
      this.arns.set(streamName, arn);
      const created = d?.StreamCreationTimestamp;
      return {
        arn,
        status: d?.StreamStatus ?? 'UNKNOWN',
        ...(created ? { identity: { arn, createdAt: created.toISOString() } } : {}),
      };
    } catch (err) {
      throw classifyAwsError(err, { operation: 'DescribeStreamSummary', streamName });
    }
  }

  /** The stream's identity now (never cached): null while it does not exist. */
  async identity(streamName: string): Promise<StreamIdentity | null> {
    try {
      return (await this.summary(streamName)).identity ?? null;
    } catch (err) {
      if ((err as { type?: unknown }).type === ErrorType.StreamNotFound) return null;
      throw err;
    }
  }

  /** Every shard still in retention, open and closed, with parent links. */
  async describe(streamName: string): Promise<StreamDescription> {
    const { arn, status, identity } = await this.summary(streamName);
    const shards: ShardInfo[] = [];
    const seen = new Set<string>();
    let nextToken: string | undefined;
    do {
      // By StreamName for plain names: kinesalite rejects StreamARN and ignores paging (no NextToken).
      const input: ListShardsCommandInput = nextToken ? { NextToken: nextToken } : streamParams(streamName);
      let out;
      try {
        out = await this.kinesis.send(new ListShardsCommand(input));
      } catch (err) {
        throw classifyAwsError(err, { operation: 'ListShards', streamName });
      }
      for (const s of out.Shards ?? []) {
        if (!s.ShardId || seen.has(s.ShardId)) continue;
        seen.add(s.ShardId);
        shards.push({
          shardId: s.ShardId,
          parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p),
          // Never compare with the value: kinesis-local reports Long.MaxValue (DESIGN.md rule 5).
          closed: s.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        });
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return { streamName, streamArn: arn, status, shards, ...(identity ? { identity } : {}) };
  }
}
