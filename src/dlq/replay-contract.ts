/**
 * What the DLQ replay workflow and its activities exchange: counts and receipt handles, never
 * records (DESIGN.md rule 1). Pure module, shared by src/workflows/dlq-replay.ts (as types) and
 * src/activities/dlq-replay.ts.
 */
import type { CompiledDlqReplayOptions } from '../config/replay-options';

/** Why a message was skipped: not a readable envelope (see DlqParseProblem), filtered out, or its records gone. */
export type SkipReason = 'not-json' | 'foreign' | 'unknown-version' | 'invalid' | 'filtered' | 'records-gone';

/**
 * What happened to received messages. Every receive ends as exactly one of replayed, failed,
 * skipped, parked or (dry run) wouldReplay, so `seen` is their sum; a message retried after a
 * failure is seen again.
 */
export interface DlqReplayCounts {
  seen: number;
  /** Replayed and deleted. */
  replayed: number;
  /** Replay failed: put back, visible after a delay, for another try (or left, without a parking queue). */
  failed: number;
  /** Not replayable or not selected: left in the queue (or parked with parkUnreadable). */
  skipped: number;
  /** Moved to the parking queue (tries exhausted, records gone, or unreadable with parkUnreadable). */
  parked: number;
  /** Dry run: would have been replayed. */
  wouldReplay: number;
  records: {
    replayed: number;
    failed: number;
    parked: number;
    /** Records of metadata-only messages read back from the stream. */
    reread: number;
    /** Records put back into the queue as new messages (filtered out, or failed in a partial success). */
    requeued: number;
  };
  skippedBy: Partial<Record<SkipReason, number>>;
}

export function emptyCounts(): DlqReplayCounts {
  return {
    seen: 0,
    replayed: 0,
    failed: 0,
    skipped: 0,
    parked: 0,
    wouldReplay: 0,
    records: { replayed: 0, failed: 0, parked: 0, reread: 0, requeued: 0 },
    skippedBy: {},
  };
}

export function addCounts(a: DlqReplayCounts, b: DlqReplayCounts): DlqReplayCounts {
  const skippedBy: Partial<Record<SkipReason, number>> = { ...a.skippedBy };
  for (const [reason, n] of Object.entries(b.skippedBy) as Array<[SkipReason, number]>) {
    skippedBy[reason] = (skippedBy[reason] ?? 0) + n;
  }
  return {
    seen: a.seen + b.seen,
    replayed: a.replayed + b.replayed,
    failed: a.failed + b.failed,
    skipped: a.skipped + b.skipped,
    parked: a.parked + b.parked,
    wouldReplay: a.wouldReplay + b.wouldReplay,
    records: {
      replayed: a.records.replayed + b.records.replayed,
      failed: a.records.failed + b.records.failed,
      parked: a.records.parked + b.records.parked,
      reread: a.records.reread + b.records.reread,
      requeued: a.records.requeued + b.records.requeued,
    },
    skippedBy,
  };
}

/** A message the run leaves in the queue, hidden until the run ends (then made visible again). */
export interface HeldMessage {
  messageId: string;
  receiptHandle: string;
}

export interface ReplayDlqBatchInput {
  options: CompiledDlqReplayOptions;
  /** Receive at most this many messages in this call. */
  maxMessages: number;
  /** Return once the queue has stayed empty this long (what is left of the grace period). */
  idleWaitMs: number;
}

export interface ReplayDlqBatchResult {
  counts: DlqReplayCounts;
  /** Messages left in the queue and hidden (skipped, dry run, or tries exhausted without parking). */
  held: HeldMessage[];
  /** When the last message that failed in this call becomes visible again, ISO-8601; null if none. */
  retryAt: string | null;
  /** How long the queue had been empty when the call returned (0 if the last receive got messages). */
  idleMs: number;
  /** The last replay failure, for the progress display. */
  lastError: { type: string; message: string } | null;
}

export interface ReleaseDlqMessagesInput {
  queueUrl: string;
  messages: HeldMessage[];
}

/** The activities the replay workflow calls (implemented by src/activities/dlq-replay.ts). */
export interface DlqReplayActivities {
  replayDlqBatch(input: ReplayDlqBatchInput): Promise<ReplayDlqBatchResult>;
  /** Makes held messages visible again; returns how many SQS accepted (expired handles are ignored). */
  releaseDlqMessages(input: ReleaseDlqMessagesInput): Promise<number>;
}
