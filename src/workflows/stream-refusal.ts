/**
 * How the stream workflow refuses a stream that was deleted and recreated under its name
 * (stream-identity.ts): its shards are paused with the reason, and the run fails with the message
 * (what happened and the fix), whichever place found it: its own discovery, or the shard starter
 * finding a shard workflow that belongs to the old stream.
 */
import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';
import { ErrorType } from '../errors';

/** Pauses the shards (`pauseShards`), then fails the run with `message`. */
export async function refuseRecreated(message: string, pauseShards: () => Promise<void>): Promise<never> {
  log.error(message, { errorType: ErrorType.StreamRecreated });
  await pauseShards();
  throw ApplicationFailure.nonRetryable(message, ErrorType.StreamRecreated);
}

/** A shard start refused for a recreated stream fails the run with the starter's message itself. */
export function startRefusal(err: unknown): never {
  const cause = err instanceof ActivityFailure ? err.cause : null;
  if (cause instanceof ApplicationFailure && cause.type === ErrorType.StreamRecreated) {
    log.error(cause.message, { errorType: ErrorType.StreamRecreated });
    throw ApplicationFailure.nonRetryable(cause.message, ErrorType.StreamRecreated);
  }
  throw err;
}
