/**
 * What the shard workflow shows in the Temporal Web UI while it runs: its *Current Details*
 * (markdown: state, checkpoint, lag, counts, last error), a summary on every batch activity
 * (`processBatch shardId-… after 4960…, attempt 2`) and the `KspMillisBehind` search attribute at
 * the bounded rate of lag-attribute.ts. Current details cost nothing (they are not in history: the
 * UI reads them with the `__temporal_workflow_metadata` query); the activity summary rides on the
 * activity's scheduled event; each attribute upsert is one action.
 */
import { setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { LagWatch } from '../activities/shard/consume-contract';
import type { ProcessBatchInput } from '../activities/shard/process-batch';
import type { Checkpoint } from '../records';
import { lagToPublish, lagWatch } from './lag-attribute';
import { KSP_MILLIS_BEHIND } from './search-attributes';
import type { ShardStatus } from './shard-messages';
import { LAG_ATTRIBUTE_PATCH, type ShardPatches } from './shard-patches';
import { formatMs } from './start-details';

function formatCheckpoint(checkpoint: Checkpoint | null): string {
  if (checkpoint === null) return 'none yet';
  const sub = checkpoint.subSequenceNumber === undefined ? '' : ` / sub ${checkpoint.subSequenceNumber}`;
  return `\`${checkpoint.sequenceNumber}\`${sub}`;
}

function formatLag(ms: number | null): string {
  if (ms === null) return 'lag unknown until the first batch';
  if (ms === 0) return 'at the tip (0 ms behind)';
  return `**${formatMs(ms)} behind** the tip (${ms} ms)`;
}

/** The shard's Current Details, as the Web UI renders them (Temporal markdown). */
export function shardDetailsMarkdown(status: ShardStatus, checkpointMovedAt: string | null): string {
  const lines = [
    `**${status.state}** · ${formatLag(status.millisBehindLatest)}`,
    `**Checkpoint** ${formatCheckpoint(status.checkpoint)}${checkpointMovedAt ? `, moved ${checkpointMovedAt}` : ''}`,
    `**Handled** ${status.handled} · dead-lettered ${status.deadLettered} · filtered out ${status.filteredOut ?? 0} · ${status.batches} batches · ${status.bytes} bytes`,
  ];
  if (status.lastArrival) lines.push(`Last record arrived ${status.lastArrival}`);
  if (status.attempt > 1)
    lines.push(`**Retrying**: attempt ${status.attempt} of the record after the checkpoint`);
  if (status.pauseReason) lines.push(`**Paused**: ${status.pauseReason} — resume with the \`resume\` signal`);
  if (status.lastError) {
    lines.push(
      `**Last error** (${status.lastError.at}): \`${status.lastError.type}\`: ${status.lastError.message}`,
    );
  }
  if (status.run > 1) lines.push(`Run ${status.run} (continued as new ${status.run - 1}×)`);
  return lines.join('\n');
}

/** The per-call summary of a batch activity: which shard, from where, which attempt. */
export function batchSummary(request: ProcessBatchInput): string {
  const from = request.checkpoint
    ? `after ${request.checkpoint.sequenceNumber}${request.checkpoint.subSequenceNumber === undefined ? '' : `/${request.checkpoint.subSequenceNumber}`}`
    : `from ${request.startPosition.type}`;
  const limit =
    request.maxRecords == null ? request.batchSize : Math.min(request.batchSize, request.maxRecords);
  const notes = [
    request.attempt > 1 ? `attempt ${request.attempt}` : null,
    request.maxRecords != null ? 'bisecting' : null,
    request.deadLetterOnFailure ? 'last attempt: failures go to the DLQ' : null,
  ].filter((n): n is string => n !== null);
  return `processBatch ${request.shardId} ${from}, ≤${limit} records${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/** Keeps the shard's Current Details and its KspMillisBehind attribute current; call once per turn. */
export class ShardDetails {
  private shown = '';
  private lastUpsertAtMs: number | null = null;
  /** A loop was asked for the first value: never twice (a run without the attribute's patch never sets it). */
  private firstValueAsked = false;

  /** @param patches the shard run's patches (shard-patches.ts), asked for the attribute's. */
  constructor(private readonly patches: ShardPatches) {}

  /** Sets the details when they changed; upserts the lag when lag-attribute.ts says so. */
  publish(status: ShardStatus, checkpointMovedAt: string | null): void {
    const markdown = shardDetailsMarkdown(status, checkpointMovedAt);
    if (markdown !== this.shown) {
      setCurrentDetails(markdown);
      this.shown = markdown;
    }
    const nowMs = Date.now();
    const current = workflowInfo().typedSearchAttributes.get(KSP_MILLIS_BEHIND);
    const value = lagToPublish({
      observed: status.millisBehindLatest,
      published: current ?? null,
      lastUpsertAtMs: this.lastUpsertAtMs,
      nowMs,
    });
    if (value === null || !this.patches.has(LAG_ATTRIBUTE_PATCH)) return;
    upsertSearchAttributes([{ key: KSP_MILLIS_BEHIND, value }]);
    this.lastUpsertAtMs = nowMs;
  }

  /**
   * The band a busy loop's lag must stay in for KspMillisBehind to stay as it is (lag-attribute.ts);
   * undefined when no loop should return for it.
   */
  lagWatch(): LagWatch | undefined {
    const current = workflowInfo().typedSearchAttributes.get(KSP_MILLIS_BEHIND) ?? null;
    if (current === null) {
      if (this.firstValueAsked) return undefined;
      this.firstValueAsked = true;
    }
    return lagWatch(current, this.lastUpsertAtMs, Date.now());
  }

  /**
   * The shard is read to its end: nothing is behind any more, so a lag it still shows is set to 0
   * and lag queries stop listing it (a stopped or paused shard keeps its last value: it is behind).
   */
  ended(status: ShardStatus, checkpointMovedAt: string | null): void {
    setCurrentDetails(shardDetailsMarkdown(status, checkpointMovedAt));
    const current = workflowInfo().typedSearchAttributes.get(KSP_MILLIS_BEHIND);
    if (current === undefined || current === 0 || !this.patches.has(LAG_ATTRIBUTE_PATCH)) return;
    upsertSearchAttributes([{ key: KSP_MILLIS_BEHIND, value: 0 }]);
  }
}
