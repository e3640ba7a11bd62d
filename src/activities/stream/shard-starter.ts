/**
 * Starts (or finds) the workflow of one shard, idempotently: the stable workflow ID plus the
 * USE_EXISTING conflict policy mean a second start never creates a second consumer (DESIGN.md
 * rule 4). A shard whose earlier run ended carries on from that run's checkpoint.
 *
 * Start-up (issue 14): a shard never consumed before (every shard of a new stream) is started in
 * one round trip, a start that fails if the workflow ID was ever used; only then is the earlier
 * run looked at. (An eager first workflow task, `requestEagerStart`, was measured too and did not
 * pay: the task queue's hop to a waiting poll costs ~10 ms, and at 32 shards the eager tasks
 * arrived at once and queued on the workflow thread instead; KSP_BENCH_TRACE, bench/startup-trace.ts.)
 * The stream workflow starts its shards in batches (`createShardsStarter`): one activity, one
 * billable action and one dispatch per batch rather than per shard.
 */
import { type Client, QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { shardWorkflowId, streamWorkflowId } from '../../constants';
import { ErrorType } from '../../errors';
import type { CompiledStreamOptions, ShardStartPosition } from '../../config/stream-options';
import type { ShardStatus } from '../../workflows/shard-messages';
import type { ShardWorkflowInput, ShardWorkflowResult } from '../../workflows/shard';
import { initialShardState, type ShardState } from '../../workflows/shard-state';
import { KSP_QUARANTINED, KSP_SHARD_ID, KSP_STREAM } from '../../workflows/search-attributes';
import {
  type StreamIdentity,
  asIdentity,
  identityProblem,
  streamIdentityQuery,
} from '../../workflows/stream-identity';
import { shardStartMetadata } from '../../workflows/start-details';

export interface StartShardInput {
  streamName: string;
  shardId: string;
  options: CompiledStreamOptions;
  startPosition: ShardStartPosition;
  paused: boolean;
  pauseReason: string | null;
  /** The stream the stream workflow consumes; absent before it has seen it (older runs). */
  identity?: StreamIdentity;
  /**
   * Set by a stream seek: start a new run from `startPosition` even after the shard was read to
   * its end, without the earlier run's checkpoint (counters carry on; the seek is recorded).
   */
  seek?: { requestedBy: string };
  /** Quarantined keys (hashes) inherited from the shard's parents; absent: none. */
  quarantinedKeys?: string[];
}

export interface StartShardResult {
  state: 'running' | 'paused' | 'finished';
  status: ShardStatus | null;
}

export interface ShardStarterDeps {
  client(): Client;
  taskQueue(): string;
  /** The handler this worker loaded, named in the shard's Web UI details. @default 'unknown' */
  handlerName?: string;
}

/** State for a new run that continues where a closed run stopped. */
function carryOver(status: ShardStatus, input: StartShardInput): ShardState {
  return {
    ...initialShardState(status.checkpoint),
    handled: status.handled,
    deadLettered: status.deadLettered,
    batches: status.batches,
    bytes: status.bytes,
    paused: input.paused,
    pauseReason: input.paused ? input.pauseReason : null,
    quarantinedKeys: status.quarantinedKeys ?? input.quarantinedKeys ?? [],
  };
}

/** The state of a first run: paused with the stream, holding the keys its parents held. */
function firstRunState(input: StartShardInput): { state?: ShardState } {
  const inherited = input.quarantinedKeys ?? [];
  if (!input.paused && inherited.length === 0) return {};
  return {
    state: {
      ...initialShardState(),
      ...(input.paused ? { paused: true, pauseReason: input.pauseReason } : {}),
      quarantinedKeys: [...inherited],
    },
  };
}

type ShardHandle = ReturnType<Client['workflow']['getHandle']>;

/**
 * Refuses a shard workflow that belongs to another stream of the same name (deleted and
 * recreated): carrying on from its checkpoint would read sequence numbers of the old stream.
 * One started before identities were recorded has none and is adopted.
 */
async function checkIdentity(handle: ShardHandle, input: StartShardInput): Promise<void> {
  if (!input.identity) return;
  let recorded: StreamIdentity | null;
  try {
    recorded = asIdentity(await handle.query(streamIdentityQuery));
  } catch (err) {
    if (!(err instanceof QueryNotRegisteredError)) throw err;
    recorded = null;
  }
  const problem = identityProblem(input.streamName, recorded, input.identity);
  if (problem !== null) throw ApplicationFailure.nonRetryable(problem, ErrorType.StreamRecreated);
}

/** State for a run a stream seek starts: no checkpoint (the start position rules), counters kept. */
function seekState(prior: ShardStatus | null, input: StartShardInput, requestedBy: string): ShardState {
  const base = prior ? carryOver(prior, input) : initialShardState();
  return {
    ...base,
    checkpoint: null,
    paused: input.paused,
    pauseReason: input.paused ? input.pauseReason : null,
    lastSeek: {
      requestedBy,
      at: new Date().toISOString(),
      from: prior?.checkpoint ?? null,
      to: input.startPosition,
    },
  };
}

/** The shard workflow's input: from the start position, or on from `prior`'s checkpoint. */
function shardArgs(input: StartShardInput, prior: ShardStatus | null): ShardWorkflowInput {
  return {
    streamName: input.streamName,
    shardId: input.shardId,
    streamWorkflowId: streamWorkflowId(input.streamName),
    options: input.options,
    // A run stopped after a seek and before its first batch starts where the seek pointed.
    startPosition:
      !input.seek && prior?.checkpoint === null && prior.lastSeek ? prior.lastSeek.to : input.startPosition,
    ...(input.identity ? { streamIdentity: input.identity } : {}),
    ...(input.seek
      ? { state: seekState(prior, input, input.seek.requestedBy) }
      : prior
        ? { state: carryOver(prior, input) }
        : firstRunState(input)),
  };
}

export function createShardStarter(deps: ShardStarterDeps) {
  /** Starts the shard's workflow; `fresh`: only if its workflow ID was never used (else throws). */
  async function start(
    client: Client,
    workflowId: string,
    input: StartShardInput,
    prior: ShardStatus | null,
    fresh: boolean,
  ): Promise<void> {
    const args = shardArgs(input, prior);
    const taskQueue = deps.taskQueue();
    await client.workflow.start('shardWorkflow', {
      workflowId,
      taskQueue,
      ...shardStartMetadata({
        ...input,
        handlerName: deps.handlerName ?? 'unknown',
        taskQueue,
        resumed: prior !== null,
      }),
      args: [args],
      ...(fresh
        ? { workflowIdConflictPolicy: 'FAIL', workflowIdReusePolicy: 'REJECT_DUPLICATE' }
        : { workflowIdConflictPolicy: 'USE_EXISTING' }),
      typedSearchAttributes: [
        { key: KSP_STREAM, value: input.streamName },
        { key: KSP_SHARD_ID, value: input.shardId },
        ...(args.state?.quarantinedKeys?.length
          ? [{ key: KSP_QUARANTINED, value: args.state.quarantinedKeys.length }]
          : []),
      ],
    });
  }

  return async function startShardWorkflow(input: StartShardInput): Promise<StartShardResult> {
    const client = deps.client();
    const workflowId = shardWorkflowId(input.streamName, input.shardId);
    const started = { state: input.paused ? 'paused' : 'running', status: null } as const;
    // A shard never started before needs no look at an earlier run: one round trip, not two.
    try {
      await start(client, workflowId, input, null, true);
      return started;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    const handle =
      client.workflow.getHandle<(i: ShardWorkflowInput) => Promise<ShardWorkflowResult>>(workflowId);
    let prior: ShardStatus | null = null;
    try {
      const description = await handle.describe();
      await checkIdentity(handle, input);
      const closed = description.status.name;
      if (closed === 'RUNNING') return { state: 'running', status: null };
      if (closed === 'COMPLETED') {
        const result = await handle.result();
        if (result.reason === 'shard-ended' && !input.seek)
          return { state: 'finished', status: result.status };
        prior = result.status;
      } else {
        // Failed, terminated, timed out or cancelled: its last checkpoint is still in its history.
        prior = await handle.query<ShardStatus>('status');
      }
    } catch (err) {
      if (err instanceof ApplicationFailure && err.type === ErrorType.StreamRecreated) throw err;
      if (!(err instanceof WorkflowNotFoundError)) {
        throw ApplicationFailure.retryable(
          `cannot tell where shard workflow ${workflowId} stopped (${String(err)}); not starting it from scratch, which could skip or repeat records`,
          ErrorType.ShardRecoveryFailed,
        );
      }
    }
    await start(client, workflowId, input, prior, false);
    return { state: input.paused ? 'paused' : 'running', status: prior };
  };
}

/** One shard's own part of a batch start. */
export type StartShardPart = Pick<StartShardInput, 'shardId' | 'startPosition' | 'seek' | 'quarantinedKeys'>;

/** What every shard of one start batch shares, sent once. */
export type StartShardsCommon = Omit<StartShardInput, keyof StartShardPart>;

/** Shards of one stream to start in one activity (`startShardWorkflows`). */
export interface StartShardsInput extends StartShardsCommon {
  shards: StartShardPart[];
}

/** Each shard's start, by shard ID. */
export type StartShardsResult = Record<string, StartShardResult>;

/**
 * Starts a batch of shards at once with `startOne` (each as `startShardWorkflow` would). A shard
 * that belongs to a recreated stream fails the batch with its refusal, as it fails the stream;
 * any other failure fails it too, and the retry starts the batch again: the started shards are
 * found running then (a start is idempotent), the others started.
 */
export function createShardsStarter(startOne: (input: StartShardInput) => Promise<StartShardResult>) {
  return async function startShardWorkflows(input: StartShardsInput): Promise<StartShardsResult> {
    const { shards, ...common } = input;
    const settled = await Promise.allSettled(shards.map((shard) => startOne({ ...common, ...shard })));
    const started: StartShardsResult = {};
    const failures: Error[] = [];
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') started[shards[i]!.shardId] = r.value;
      else failures.push(r.reason instanceof Error ? r.reason : new Error(String(r.reason)));
    });
    const refusal = failures.find(
      (e) => e instanceof ApplicationFailure && e.type === ErrorType.StreamRecreated,
    );
    const failure = refusal ?? failures[0];
    if (failure !== undefined) throw failure;
    return started;
  };
}

/** The stream workflow's two start activities over one shard start (workers and tests alike). */
export function shardStartActivities(startOne: (input: StartShardInput) => Promise<StartShardResult>) {
  return { startShardWorkflow: startOne, startShardWorkflows: createShardsStarter(startOne) };
}
