/**
 * One workflow per stream: discovers shards, starts one shard workflow per shard in lineage order
 * (parents read to the end first), fans out pause/resume/stop, and answers a status query.
 * Shard workflows are started as independent workflows with stable IDs (not children), so this
 * workflow can continue as new, fail or be restarted without touching them (DESIGN.md rule 6).
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { DEFAULT_REDISCOVER_MS, shardWorkflowId } from '../constants';
import type { CompiledStreamOptions } from '../config/stream-options';
import { startableShards, startPositionFor } from './lineage';
import { pruneLedger } from './reshard-limits';
import {
  type PauseInput,
  type ShardRunState,
  type ShardStatus,
  pauseShardSignal,
  resumeShardSignal,
  stopShardSignal,
} from './shard-messages';
import {
  type ReshardLedgerEntry,
  type ShardEndedReport,
  type StreamStatus,
  pauseStreamSignal,
  rediscoverSignal,
  reshardCompletedSignal,
  reshardLedgerQuery,
  resumeStreamSignal,
  shardEndedSignal,
  shardProgressSignal,
  stopStreamSignal,
  streamStatusQuery,
} from './stream-messages';
import { NON_RETRYABLE_TYPES } from '../errors';

export interface StreamShardEntry {
  shardId: string;
  parentShardIds: string[];
  state: ShardRunState;
  /** Last status the shard reported; null until it reports. */
  status: ShardStatus | null;
  /**
   * Created while this stream was being consumed (found after the first discovery), so all of
   * it is newer than the configured start position: read from TRIM_HORIZON (see lineage.ts).
   */
  createdWhileConsuming?: boolean;
  /** Checkpoint the shard ended at (from its shardEnded report). */
  endCheckpoint?: ShardStatus['checkpoint'];
}

export interface StreamState {
  shards: Record<string, StreamShardEntry>;
  paused: boolean;
  pauseReason: string | null;
  stopRequested: boolean;
  discoveredAt: string | null;
  run: number;
  /** Recent shard-layout changes (reshardCompleted), pruned to the rolling 24 h. Absent in older runs. */
  reshards?: ReshardLedgerEntry[];
  /** Children a shard's ChildShards named that discovery has not listed yet (ListShards lags on AWS). */
  awaitedChildren?: string[];
}

export interface StreamWorkflowInput {
  options: CompiledStreamOptions;
  /** How often to look for shards created outside ksp. @default 5 minutes */
  rediscoverIntervalMs?: number;
  state?: StreamState;
}

export interface StreamWorkflowResult {
  streamName: string;
  shards: Record<string, { state: ShardRunState; checkpoint: ShardStatus['checkpoint'] }>;
}

/** Patch ID: shard workflows start concurrently (histories recorded before it start them one by one). */
const PARALLEL_SHARD_STARTS = 'parallel-shard-starts';
/** How soon to look again for children that ChildShards named but ListShards did not list yet… */
const AWAITED_CHILDREN_RETRY_MS = 2_000;
/** …and how many times before leaving them to the periodic discovery. */
const AWAITED_CHILDREN_RETRIES = 30;
const ACTIVE: ShardRunState[] = ['running', 'paused'];

export async function streamWorkflow(input: StreamWorkflowInput): Promise<StreamWorkflowResult> {
  const { options } = input;
  const streamName = options.streamName;
  const state: StreamState = input.state
    ? { ...input.state, run: input.state.run + 1 }
    : { shards: {}, paused: false, pauseReason: null, stopRequested: false, discoveredAt: null, run: 1 };
  /** The ledger without entries that left the 24 h window (read-only: queries use it too). */
  const ledger = (): ReshardLedgerEntry[] => pruneLedger(state.reshards ?? [], Date.now());
  let needDiscovery = true;
  let awaitedRetries = 0;

  const { describeStream, startShardWorkflow } = proxyActivities<ReturnType<typeof createActivities>>({
    startToCloseTimeout: '1m',
    retry: {
      initialInterval: '1s',
      maximumInterval: '1m',
      nonRetryableErrorTypes: NON_RETRYABLE_TYPES,
    },
  });

  const signalShards = async (
    send: (handle: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>,
  ): Promise<void> => {
    const running = Object.values(state.shards).filter((s) => ACTIVE.includes(s.state));
    await Promise.all(
      running.map(async (s) => {
        try {
          await send(getExternalWorkflowHandle(shardWorkflowId(streamName, s.shardId)));
        } catch (err) {
          // A shard that just completed cannot take signals; its own report says where it ended.
          log.warn('could not signal shard workflow', { shardId: s.shardId, error: String(err) });
        }
      }),
    );
  };

  const status = (): StreamStatus => {
    const shards = Object.values(state.shards)
      .sort((a, b) => (a.shardId < b.shardId ? -1 : 1))
      .map((s) =>
        s.status
          ? { ...s.status, state: s.state }
          : { shardId: s.shardId, state: s.state, parentShardIds: s.parentShardIds },
      );
    let handled = 0;
    let deadLettered = 0;
    let maxLag: number | null = null;
    for (const s of Object.values(state.shards)) {
      handled += s.status?.handled ?? 0;
      deadLettered += s.status?.deadLettered ?? 0;
      const lag = s.state === 'finished' ? null : (s.status?.millisBehindLatest ?? null);
      if (lag !== null) maxLag = Math.max(maxLag ?? 0, lag);
    }
    return {
      streamName,
      state: state.stopRequested
        ? Object.values(state.shards).some((s) => ACTIVE.includes(s.state))
          ? 'stopping'
          : 'stopped'
        : state.paused
          ? 'paused'
          : 'running',
      shards,
      totals: { handled, deadLettered, maxMillisBehindLatest: maxLag },
      discoveredAt: state.discoveredAt,
      run: state.run,
      reshards: ledger(),
    };
  };

  setHandler(streamStatusQuery, status);
  setHandler(pauseStreamSignal, async (pause?: PauseInput) => {
    state.paused = true;
    state.pauseReason = pause?.reason ?? 'paused by operator';
    await signalShards((h) => h.signal(pauseShardSignal, { reason: state.pauseReason ?? undefined }));
  });
  setHandler(resumeStreamSignal, async () => {
    state.paused = false;
    state.pauseReason = null;
    await signalShards((h) => h.signal(resumeShardSignal));
  });
  setHandler(stopStreamSignal, async () => {
    state.stopRequested = true;
    await signalShards((h) => h.signal(stopShardSignal));
  });
  setHandler(rediscoverSignal, () => {
    needDiscovery = true;
  });
  setHandler(reshardLedgerQuery, ledger);
  setHandler(reshardCompletedSignal, (entry: ReshardLedgerEntry) => {
    // Durable record for the 10-per-24 h limit on count changes; the new shards are found now.
    state.reshards = [...ledger(), entry];
    needDiscovery = true;
  });
  setHandler(shardEndedSignal, (report: ShardEndedReport) => {
    const entry = state.shards[report.shardId];
    const unknown = (report.childShardIds ?? []).filter((id) => !state.shards[id]);
    if (unknown.length > 0) {
      state.awaitedChildren = [...new Set([...(state.awaitedChildren ?? []), ...unknown])];
      awaitedRetries = 0;
    }
    if (entry) {
      entry.state = 'finished';
      entry.endCheckpoint = report.checkpoint;
      if (report.status) entry.status = { ...report.status, state: 'finished' };
      else if (entry.status)
        entry.status = { ...entry.status, checkpoint: report.checkpoint, state: 'finished' };
    }
    // Children must wait for all their parents: learn their lineage now rather than at the next
    // periodic discovery, so a finished parent starts its children promptly.
    needDiscovery = true;
  });
  setHandler(shardProgressSignal, (report: ShardStatus) => {
    const entry = state.shards[report.shardId];
    if (!entry || entry.state === 'finished') return;
    entry.status = report;
    entry.state = report.state === 'finished' ? 'finished' : report.state;
  });

  const shouldContinueAsNew = (): boolean =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= options.maxHistoryEvents;

  for (;;) {
    if (needDiscovery && !state.stopRequested) {
      needDiscovery = false;
      const description = await describeStream({ streamName });
      const firstDiscovery = state.discoveredAt === null;
      for (const shard of description.shards) {
        if (!state.shards[shard.shardId]) {
          state.shards[shard.shardId] = {
            shardId: shard.shardId,
            parentShardIds: shard.parentShardIds,
            state: 'waiting-for-parents',
            status: null,
            ...(firstDiscovery ? {} : { createdWhileConsuming: true }),
          };
        }
      }
      state.discoveredAt = new Date().toISOString();
      if (state.awaitedChildren?.length) {
        state.awaitedChildren = state.awaitedChildren.filter((id) => !state.shards[id]);
        if (state.awaitedChildren.length > 0 && ++awaitedRetries > AWAITED_CHILDREN_RETRIES) {
          log.warn('ListShards still does not list child shards named by ChildShards', {
            childShardIds: state.awaitedChildren,
          });
          state.awaitedChildren = [];
        }
      }
    }
    if (!state.stopRequested) {
      const startable = startableShards(state.shards);
      const startOne = async (shardId: string): Promise<void> => {
        const started = await startShardWorkflow({
          streamName,
          shardId,
          options,
          startPosition: startPositionFor(state.shards, shardId, options.startPosition),
          paused: state.paused,
          pauseReason: state.pauseReason,
        });
        const entry = state.shards[shardId];
        if (!entry) return;
        entry.state = started.state;
        if (started.status) entry.status = started.status;
        // A finished shard unlocks its children in the same pass.
        if (started.state === 'finished') needDiscovery = true;
      };
      if (patched(PARALLEL_SHARD_STARTS)) {
        // All startable shards at once: a 32-shard stream starts in one round trip, not 32.
        await Promise.all(startable.map(startOne));
      } else {
        for (const shardId of startable) await startOne(shardId);
      }
      if (needDiscovery) continue;
    }
    if (state.stopRequested && !Object.values(state.shards).some((s) => ACTIVE.includes(s.state))) break;
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof streamWorkflow>({ ...input, state });
    }
    await condition(
      () =>
        needDiscovery ||
        shouldContinueAsNew() ||
        (state.stopRequested && !Object.values(state.shards).some((s) => ACTIVE.includes(s.state))),
      state.awaitedChildren?.length
        ? AWAITED_CHILDREN_RETRY_MS
        : (input.rediscoverIntervalMs ?? DEFAULT_REDISCOVER_MS),
    ).then((signalled) => {
      if (!signalled) needDiscovery = true;
    });
  }

  await condition(allHandlersFinished);
  const shards: StreamWorkflowResult['shards'] = {};
  for (const s of Object.values(state.shards)) {
    shards[s.shardId] = { state: s.state, checkpoint: s.status?.checkpoint ?? null };
  }
  return { streamName, shards };
}
