/**
 * A stream's identity: its ARN and creation time (DescribeStreamSummary's
 * StreamCreationTimestamp). A stream deleted and recreated under the same name keeps its name and,
 * often, its shard IDs, but gets a new creation time, and sequence numbers of the old stream mean
 * nothing on it. The identity is recorded with the checkpoints (the stream workflow's state, each
 * shard workflow's input) and compared wherever ksp looks at the stream again; a mismatch is
 * refused with {@link recreatedMessage}, never read from. Histories recorded before it have no
 * identity: they adopt the one they first see. Pure module: safe in workflow code.
 */
import { defineQuery } from '@temporalio/workflow';

export interface StreamIdentity {
  arn: string;
  /** ISO-8601 creation time of the stream. */
  createdAt: string;
}

/** A shard workflow's recorded identity (null: started before identities were recorded). */
export const streamIdentityQuery = defineQuery<StreamIdentity | null>('streamIdentity');

/** Same stream: same ARN and creation time (compared as instants, whatever their ISO form). */
export function sameIdentity(a: StreamIdentity, b: StreamIdentity): boolean {
  return a.arn === b.arn && Date.parse(a.createdAt) === Date.parse(b.createdAt);
}

/** Checks a value from an activity result or an input; null when it is not an identity. */
export function asIdentity(value: unknown): StreamIdentity | null {
  if (typeof value !== 'object' || value === null) return null;
  const { arn, createdAt } = value as Record<string, unknown>;
  if (typeof arn !== 'string' || typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)))
    return null;
  return { arn, createdAt };
}

/** What happened and the fix, for logs, the failure, `ksp start` and a paused shard's reason. */
export function recreatedMessage(
  streamName: string,
  recorded: StreamIdentity,
  current: StreamIdentity,
): string {
  return (
    `stream ${streamName} was deleted and recreated: its checkpoints belong to the stream created at ${recorded.createdAt}, ` +
    `but the stream under that name now was created at ${current.createdAt}, and its sequence numbers mean nothing there. ` +
    `Nothing was read from it. To consume the new stream from its start position, run \`ksp start --reset ${streamName}\` ` +
    '(it discards the old checkpoints)'
  );
}

/** null when `current` is the recorded stream (or nothing is recorded yet), else the refusal. */
export function identityProblem(
  streamName: string,
  recorded: StreamIdentity | null | undefined,
  current: StreamIdentity | null | undefined,
): string | null {
  if (!recorded || !current || sameIdentity(recorded, current)) return null;
  return recreatedMessage(streamName, recorded, current);
}
