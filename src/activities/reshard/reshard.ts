/**
 * Activities of the reshard workflow: look at the stream (shape, account limit), read the
 * stream workflow's ledger of recent changes, make one control-plane call, and wait until the
 * stream is ACTIVE with the change visible. Each call is safe to retry: a retry first checks
 * whether the earlier attempt's change already happened. Every Kinesis call is aborted with the
 * activity (cancelled or timed out) and has a deadline under its heartbeat timeout.
 */
import {
  DescribeLimitsCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  MergeShardsCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { Context } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { type CallBounds, type SendOptions, boundedCall, isAbortedCall } from '../../aws/call';
import { classifyAwsError } from '../../aws/classify';
import { cancellableCall } from '../attempt';
import { streamWorkflowId } from '../../constants';
import { ErrorType } from '../../errors';
import { type ReshardLedgerEntry, reshardLedgerQuery } from '../../workflows/stream-messages';
import type { StreamShape } from '../../workflows/reshard-limits';
import { type OpenShard, RESHARD_REFUSED } from '../../workflows/reshard-messages';

export interface ReshardActivityDeps {
  kinesis: KinesisClient;
  client(): Client;
  /** Cancellable sleep; defaults to the activity context's. */
  sleep?: (ms: number) => Promise<void>;
  heartbeat?: (details: unknown) => void;
  /** Attempt number of the running activity (1 on the first). */
  attempt?: () => number;
  /** First poll interval while waiting for ACTIVE; grows to 5 s. @default 250 */
  activePollMs?: number;
  /** Bounds of each Kinesis call. @default the activity's cancellation and a deadline under its heartbeat timeout */
  bounds?: () => CallBounds;
}

export interface WaitForActiveInput {
  streamName: string;
  /** Done when the open shard count is this (UpdateShardCount)… */
  openShardCount?: number;
  /** …and/or these shards are closed (SplitShard, MergeShards). */
  closedShardIds?: string[];
}

export interface WaitForActiveResult {
  activeAt: string;
  waitedMs: number;
  openShards: OpenShard[];
}

function errorName(err: unknown): string {
  return typeof err === 'object' && err !== null && 'name' in err ? String(err.name) : '';
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A change Kinesis refuses (a limit, a bad argument) is final: say so with AWS's words. Rate
 * limiting and a stream still UPDATING pass, so those are retried.
 */
function classifyReshardError(err: unknown, operation: string, streamName: string): ApplicationFailure {
  const name = errorName(err);
  const refused =
    (name === 'LimitExceededException' && !/rate exceeded/i.test(errorMessage(err))) ||
    name === 'InvalidArgumentException' ||
    name === 'ValidationException';
  if (refused) {
    return ApplicationFailure.create({
      type: RESHARD_REFUSED,
      message: `Kinesis refused ${operation} on stream "${streamName}": ${errorMessage(err)}`,
      nonRetryable: true,
      details: [{ limit: 'aws', awsError: name }],
    });
  }
  return classifyAwsError(err, { operation, streamName });
}

export function createReshardActivities(deps: ReshardActivityDeps) {
  const { kinesis } = deps;
  const sleep = deps.sleep ?? ((ms: number) => Context.current().sleep(ms));
  const heartbeat = deps.heartbeat ?? ((details: unknown) => Context.current().heartbeat(details));
  const attempt = deps.attempt ?? (() => Context.current().info.attempt);
  const bounds = deps.bounds ?? cancellableCall;
  /** A bounded call; the caller classifies what it throws, except the activity's own cancellation. */
  const call = <T>(run: (options: SendOptions) => Promise<T>): Promise<T> => boundedCall(bounds(), run);

  async function send<T>(
    operation: string,
    streamName: string,
    run: (options: SendOptions) => Promise<T>,
  ): Promise<T> {
    try {
      return await call(run);
    } catch (err) {
      throw isAbortedCall(err) ? err : classifyReshardError(err, operation, streamName);
    }
  }

  async function summary(streamName: string) {
    const out = await send('DescribeStreamSummary', streamName, (o) =>
      kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }), o),
    );
    const d = out.StreamDescriptionSummary;
    return {
      status: d?.StreamStatus ?? 'UNKNOWN',
      mode: d?.StreamModeDetails?.StreamMode ?? null,
      openShardCount: d?.OpenShardCount ?? null,
    };
  }

  /** Open shards with their hash ranges, sorted by range (kinesalite ignores ShardFilter: filter here). */
  async function openShards(streamName: string): Promise<OpenShard[]> {
    const shards: OpenShard[] = [];
    const seen = new Set<string>();
    let nextToken: string | undefined;
    do {
      const input: ListShardsCommandInput = nextToken ? { NextToken: nextToken } : { StreamName: streamName };
      const out = await send('ListShards', streamName, (o) => kinesis.send(new ListShardsCommand(input), o));
      for (const s of out.Shards ?? []) {
        if (!s.ShardId || seen.has(s.ShardId) || s.SequenceNumberRange?.EndingSequenceNumber !== undefined)
          continue;
        seen.add(s.ShardId);
        shards.push({
          shardId: s.ShardId,
          startingHashKey: s.HashKeyRange?.StartingHashKey ?? '0',
          endingHashKey: s.HashKeyRange?.EndingHashKey ?? '0',
          parentShardIds: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => !!p),
        });
      }
      nextToken = out.NextToken;
    } while (nextToken);
    return shards.sort((a, b) => {
      const d = BigInt(a.startingHashKey) - BigInt(b.startingHashKey);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    });
  }

  /** The account's shard limit; null where the backend has no DescribeLimits or IAM denies it. */
  async function accountLimits(): Promise<StreamShape['account']> {
    try {
      const out = await call((o) => kinesis.send(new DescribeLimitsCommand({}), o));
      if (out.ShardLimit === undefined || out.OpenShardCount === undefined) return null;
      return { shardLimit: out.ShardLimit, openShardCount: out.OpenShardCount };
    } catch (err) {
      if (isAbortedCall(err)) throw err;
      const failure = classifyAwsError(err, { operation: 'DescribeLimits' });
      if (failure.type === ErrorType.AwsBadRequest || failure.type === ErrorType.AwsAccessDenied) return null;
      throw failure;
    }
  }

  /** On a retry: is the stream still changing from the earlier attempt's call? */
  async function retryGuard(streamName: string): Promise<Awaited<ReturnType<typeof summary>> | null> {
    if (attempt() <= 1) return null;
    const s = await summary(streamName);
    if (s.status === 'UPDATING') {
      throw ApplicationFailure.retryable(
        `stream "${streamName}" is UPDATING (an earlier attempt's change may be in progress)`,
        ErrorType.AwsUnavailable,
      );
    }
    return s;
  }

  /** On a retry: whether the earlier attempt's call already closed these shards. */
  async function alreadyClosed(streamName: string, shardIds: string[]): Promise<boolean> {
    if (!(await retryGuard(streamName))) return false;
    const open = await openShards(streamName);
    return shardIds.every((id) => !open.some((s) => s.shardId === id));
  }

  return {
    async inspectStreamForReshard(input: { streamName: string }): Promise<StreamShape> {
      const s = await summary(input.streamName);
      const [shards, account] = await Promise.all([openShards(input.streamName), accountLimits()]);
      return {
        streamName: input.streamName,
        status: s.status,
        mode: s.mode === 'ON_DEMAND' || s.mode === 'PROVISIONED' ? s.mode : null,
        openShards: shards,
        account,
      };
    },

    /** UNIFORM_SCALING; `supported: false` where the backend has no UpdateShardCount (kinesalite). */
    async updateShardCount(input: {
      streamName: string;
      targetShardCount: number;
    }): Promise<{ supported: boolean; alreadyDone: boolean }> {
      const earlier = await retryGuard(input.streamName);
      if (earlier?.openShardCount === input.targetShardCount) return { supported: true, alreadyDone: true };
      try {
        await call((o) =>
          kinesis.send(
            new UpdateShardCountCommand({
              StreamName: input.streamName,
              TargetShardCount: input.targetShardCount,
              ScalingType: 'UNIFORM_SCALING',
            }),
            o,
          ),
        );
        return { supported: true, alreadyDone: false };
      } catch (err) {
        if (isAbortedCall(err)) throw err;
        if (errorName(err) === 'UnknownOperationException') return { supported: false, alreadyDone: false };
        throw classifyReshardError(err, 'UpdateShardCount', input.streamName);
      }
    },

    async splitShard(input: {
      streamName: string;
      shardId: string;
      newStartingHashKey: string;
    }): Promise<{ alreadyDone: boolean }> {
      if (await alreadyClosed(input.streamName, [input.shardId])) return { alreadyDone: true };
      await send('SplitShard', input.streamName, (o) =>
        kinesis.send(
          new SplitShardCommand({
            StreamName: input.streamName,
            ShardToSplit: input.shardId,
            NewStartingHashKey: input.newStartingHashKey,
          }),
          o,
        ),
      );
      return { alreadyDone: false };
    },

    async mergeShards(input: {
      streamName: string;
      shardId: string;
      adjacentShardId: string;
    }): Promise<{ alreadyDone: boolean }> {
      if (await alreadyClosed(input.streamName, [input.shardId, input.adjacentShardId]))
        return { alreadyDone: true };
      await send('MergeShards', input.streamName, (o) =>
        kinesis.send(
          new MergeShardsCommand({
            StreamName: input.streamName,
            ShardToMerge: input.shardId,
            AdjacentShardToMerge: input.adjacentShardId,
          }),
          o,
        ),
      );
      return { alreadyDone: false };
    },

    /** Polls until the stream is ACTIVE and the change is visible in ListShards; heartbeats meanwhile. */
    async waitForStreamActive(input: WaitForActiveInput): Promise<WaitForActiveResult> {
      const started = Date.now();
      let interval = deps.activePollMs ?? 250;
      for (;;) {
        const s = await summary(input.streamName);
        if (s.status === 'ACTIVE') {
          const open = await openShards(input.streamName);
          const countOk = input.openShardCount === undefined || open.length === input.openShardCount;
          const closedOk = (input.closedShardIds ?? []).every((id) => !open.some((o) => o.shardId === id));
          if (countOk && closedOk) {
            const now = Date.now();
            return { activeAt: new Date(now).toISOString(), waitedMs: now - started, openShards: open };
          }
        }
        heartbeat({ status: s.status, waitedMs: Date.now() - started });
        await sleep(interval);
        interval = Math.min(5_000, Math.round(interval * 1.5));
      }
    },

    /** The stream workflow's ledger of recent changes; empty when no stream workflow exists. */
    async readReshardLedger(input: {
      streamName: string;
    }): Promise<{ entries: ReshardLedgerEntry[]; streamWorkflowFound: boolean }> {
      try {
        const handle = deps.client().workflow.getHandle(streamWorkflowId(input.streamName));
        return { entries: await handle.query(reshardLedgerQuery), streamWorkflowFound: true };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { entries: [], streamWorkflowFound: false };
        throw ApplicationFailure.retryable(
          `cannot read the reshard ledger of stream "${input.streamName}" from its stream workflow: ${errorMessage(err)}`,
          ErrorType.LedgerUnavailable,
        );
      }
    },
  };
}
