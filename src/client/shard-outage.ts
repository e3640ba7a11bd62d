/**
 * Infrastructure trouble of a shard, read from its workflow's pending activities (what
 * `describe()` returns): while Kinesis or SQS does not answer, the batch activity's attempts fail
 * and Temporal retries them, so the pending activity carries the attempt number and the last
 * failure ("Kinesis unreachable since …"). The shard's own status cannot say so: its workflow only
 * hears back when an attempt succeeds.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';

/** What `ksp status` shows for a shard whose activity is being retried. */
export interface ShardOutage {
  /** The last failure's message, bounded, e.g. "Kinesis unreachable since 2026-12-01T15:50:00.000Z (GetRecords: …)". */
  note: string;
  /** The activity being retried, e.g. `processBatch`. */
  activity: string;
  /** Its attempt now (2 and up). */
  activityAttempt: number;
  /** When the last attempt failed, ISO; null when the server does not say. */
  lastFailureAt: string | null;
  /** When the activity last heartbeated, ISO; null before its first heartbeat. */
  lastHeartbeatAt: string | null;
}

/** Longest note kept: the status table has one line per shard. */
export const MAX_NOTE_CHARS = 240;

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];
type Timestamp = PendingActivity['lastHeartbeatTime'];

function millis(ts: Timestamp): number | null {
  if (!ts) return null;
  const seconds = ts.seconds;
  const s = typeof seconds === 'number' ? seconds : seconds ? seconds.toNumber() : 0;
  return s * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function bounded(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_NOTE_CHARS ? `${line.slice(0, MAX_NOTE_CHARS - 1)}…` : line;
}

/**
 * The outage of a shard, from its pending activities: one retried after a failure, unless its
 * current attempt has heartbeated since that failure (it is getting through again).
 */
export function shardOutage(pending: readonly PendingActivity[] | null | undefined): ShardOutage | null {
  for (const a of pending ?? []) {
    const message = a.lastFailure?.message;
    const attempt = a.attempt ?? 1;
    if (!message || attempt < 2) continue;
    const failedAt = millis(a.lastAttemptCompleteTime);
    const beatAt = millis(a.lastHeartbeatTime);
    if (failedAt !== null && beatAt !== null && beatAt > failedAt) continue;
    return {
      note: bounded(message),
      activity: a.activityType?.name ?? 'activity',
      activityAttempt: attempt,
      lastFailureAt: iso(failedAt),
      lastHeartbeatAt: iso(beatAt),
    };
  }
  return null;
}
