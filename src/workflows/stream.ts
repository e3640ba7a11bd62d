/**
 * One workflow per stream: discovers shards, starts one shard workflow per shard in lineage order
 * (parents read to the end first), fans out pause/resume/stop and seek
 * (Updates in stream-updates.ts; pause/resume/stop also signals), and answers a status query.
 * Shard workflows are started as independent workflows with stable IDs (not children), so this
 * workflow can continue as new, fail or be restarted without touching them (DESIGN.md rule 6).
 * The decisions live in StreamState (stream-state.ts); every signal payload is validated by
 * stream-payloads.ts first, and a malformed one is logged and dropped (DESIGN.md rule 10).
 */
import {
  ApplicationFailure,
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
import { shardWorkflowId } from '../constants';
import { ConfigError, ErrorType } from '../errors';
import { INFRA_RETRY } from './retry-policies';
import { type StreamWorkflowInput, compileStreamInput } from './stream-input';
import { lifetimeAsStarted } from './raw-lifetime';
import { ensureStreamSearchAttribute } from './own-search-attributes';
import {
  type Parsed,
  parseLedgerEntry,
  parsePause,
  parseShardEnded,
  parseShardStatus,
} from './stream-payloads';
import { StreamDetails } from './stream-details';
import { StreamState, type StreamWorkflowResult } from './stream-state';
import { refuseRecreated } from './stream-refusal';
import { ShardStarts } from './stream-starts';
import { streamIdentityQuery } from './stream-identity';
import { registerStreamUpdates } from './stream-updates';
import { pauseShardSignal, resumeShardSignal, stopShardSignal } from './shard-messages';
import {
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

export type { StreamWorkflowInput } from './stream-input';
export type { StreamShardEntry, StreamStateData, StreamWorkflowResult } from './stream-state';

/** Patch ID: shard workflows start concurrently (histories recorded before it start them one by one). */
const PARALLEL_SHARD_STARTS = 'parallel-shard-starts';
/**
 * Patch ID: startable shards start in batches, one activity per batch (one billable action and one
 * dispatch, not one per shard; stream-starts.ts); histories recorded before it start one activity
 * per shard.
 */
const BATCHED_SHARD_STARTS = 'batched-shard-starts';

const { describeStream } = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1m',
  retry: INFRA_RETRY,
});

type ShardHandle = ReturnType<typeof getExternalWorkflowHandle>;

/** Sends a signal to every running or paused shard workflow. */
async function signalShards(
  stream: StreamState,
  send: (handle: ShardHandle) => Promise<void>,
): Promise<void> {
  await Promise.all(
    stream.activeShardIds().map(async (shardId) => {
      try {
        await send(getExternalWorkflowHandle(shardWorkflowId(stream.streamName, shardId)));
      } catch (err) {
        // A shard that just completed cannot take signals; its own report says where it ended.
        log.warn('could not signal shard workflow', { shardId, error: String(err) });
      }
    }),
  );
}

/**
 * Patch ID: malformed signal payloads are dropped. Before it, some were applied as they came (a
 * pause with an object for a reason paused and signalled the shards): a history recorded then
 * replays by applying them again, and a run that was already wedged stays as it was.
 */
const VALIDATED_SIGNALS = 'validated-signals';

/** The payload to apply (valid, or raw in a history from before the patch), or null: logged, dropped. */
function accepted<T>(signal: string, parsed: Parsed<T>, raw: unknown): { value: T } | null {
  if (parsed.ok) return { value: parsed.value };
  if (!patched(VALIDATED_SIGNALS)) return { value: raw as T };
  log.warn(`dropped a malformed ${signal} signal: ${parsed.problem}`, { signal, problem: parsed.problem });
  return null;
}

/** Queries and signals: each payload validated, then applied to the state. */
function handleMessages(stream: StreamState): void {
  setHandler(streamStatusQuery, () => stream.status(Date.now()));
  setHandler(reshardLedgerQuery, () => stream.ledger(Date.now()));
  setHandler(streamIdentityQuery, () => stream.identity);
  setHandler(pauseStreamSignal, async (raw?: unknown) => {
    const input = accepted('pause', parsePause(raw), raw);
    if (!input) return;
    const reason = stream.pause(input.value?.reason);
    await signalShards(stream, (h) => h.signal(pauseShardSignal, { reason }));
  });
  setHandler(resumeStreamSignal, async () => {
    stream.resume();
    await signalShards(stream, (h) => h.signal(resumeShardSignal));
  });
  setHandler(stopStreamSignal, async () => {
    stream.stop();
    await signalShards(stream, (h) => h.signal(stopShardSignal));
  });
  setHandler(rediscoverSignal, () => stream.requestDiscovery());
  setHandler(reshardCompletedSignal, (raw: unknown) => {
    const entry = accepted('reshardCompleted', parseLedgerEntry(raw), raw);
    if (entry) stream.recordReshard(entry.value, Date.now());
  });
  setHandler(shardEndedSignal, (raw: unknown) => {
    const report = accepted('shardEnded', parseShardEnded(raw), raw);
    if (report) stream.applyEnded(report.value);
  });
  setHandler(shardProgressSignal, (raw: unknown) => {
    const report = accepted('shardProgress', parseShardStatus(raw), raw);
    if (report) stream.applyProgress(report.value);
  });
  registerStreamUpdates(stream);
}

/** The input (raw or compiled) in its current shape; a bad one fails the run, naming the field. */
function streamInput(stored: unknown): ReturnType<typeof compileStreamInput> {
  try {
    const input = compileStreamInput(stored, new Date());
    return { ...input, options: lifetimeAsStarted(stored, input.options) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw ApplicationFailure.nonRetryable(`streamWorkflow input: ${err.message}`, ErrorType.Config);
  }
}

export async function streamWorkflow(stored: StreamWorkflowInput): Promise<StreamWorkflowResult> {
  const input = streamInput(stored);
  const { options } = input;
  ensureStreamSearchAttribute(options.streamName);
  const stream = new StreamState(options.streamName, input.state);
  handleMessages(stream);
  // Web UI Current Details (no history event): set each turn and whenever a message changed the state.
  const details = new StreamDetails(() => ({
    status: stream.status(Date.now()),
    pauseReason: stream.pauseReason,
  }));
  const shouldContinueAsNew = (): boolean =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= options.maxHistoryEvents;

  const starts = new ShardStarts(stream, options);

  for (;;) {
    details.refresh();
    if (stream.needDiscovery && !stream.stopRequested) {
      stream.beginDiscovery();
      const { shards, identity } = await describeStream({
        streamName: options.streamName,
        ...(options.roleArn ? { roleArn: options.roleArn } : {}),
      });
      const refused = stream.checkIdentity(identity);
      if (refused !== null) {
        await refuseRecreated(refused, () =>
          signalShards(stream, (h) => h.signal(pauseShardSignal, { reason: refused })),
        );
      }
      const abandoned = stream.applyDiscovery(shards, new Date().toISOString());
      if (abandoned.length > 0) {
        log.warn('ListShards still does not list child shards named by ChildShards', {
          childShardIds: abandoned,
        });
      }
    }
    if (!stream.stopRequested) {
      const startable = stream.startable(options.startPosition);
      if (patched(BATCHED_SHARD_STARTS)) {
        if (startable.length > 0) await starts.batched(startable);
      } else if (patched(PARALLEL_SHARD_STARTS)) {
        // All startable shards at once: a 32-shard stream starts in one round trip, not 32.
        await Promise.all(startable.map((shard) => starts.one(shard)));
      } else {
        for (const shard of startable) await starts.one(shard);
      }
      if (stream.needDiscovery) continue;
    }
    if (stream.drained) break;
    if (shouldContinueAsNew()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof streamWorkflow>({ ...input, state: stream.snapshot() });
    }
    const signalled = await condition(() => {
      // Evaluated after every message: the one place that sees each change while the loop waits.
      details.refresh();
      // Once stopping, discovery is off: a pending request must not wake the loop (it would spin).
      return (stream.needDiscovery && !stream.stopRequested) || shouldContinueAsNew() || stream.drained;
    }, stream.nextWakeMs(input.rediscoverIntervalMs));
    if (!signalled) stream.requestDiscovery();
  }

  await condition(allHandlersFinished);
  return stream.result();
}
