/**
 * The batch activity's check that the stream it reads is still the one its checkpoint belongs to
 * (stream-identity.ts): before a batch (DescribeStreamSummary, cached a few seconds per stream so a
 * worker with many shards stays far below its 20 calls/s), and again uncached when a read fails as
 * a recreated stream would make it fail (stream not found, a sequence number Kinesis refuses).
 * A mismatch is a non-retryable StreamRecreated: the shard pauses with the message, nothing read.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../errors';
import { type StreamIdentity, identityProblem } from '../../workflows/stream-identity';

/** How long a described identity is trusted before a batch. */
export const IDENTITY_CACHE_MS = 10_000;

export interface IdentityGuardDeps {
  /** The stream's identity now; null while it does not exist. */
  describe(streamName: string): Promise<StreamIdentity | null>;
  now(): number;
}

export class IdentityGuard {
  private readonly cache = new Map<string, { identity: StreamIdentity | null; at: number }>();
  /**
   * A describe under way per stream: checks that find no fresh cache entry meanwhile wait for it
   * instead of each calling, so the shards of a stream that start together cost one call, not one
   * each (32 at once at a 32-shard start, in the same seconds as their first reads).
   */
  private readonly describing = new Map<string, Promise<StreamIdentity | null>>();

  constructor(private readonly deps: IdentityGuardDeps) {}

  /** Throws StreamRecreated when the stream is not the one `recorded` names. */
  async check(streamName: string, recorded: StreamIdentity | undefined, fresh = false): Promise<void> {
    if (!recorded) return;
    const now = this.deps.now();
    const cached = this.cache.get(streamName);
    let current: StreamIdentity | null;
    if (!fresh && cached && now - cached.at < IDENTITY_CACHE_MS) current = cached.identity;
    else current = await this.describe(streamName, now, fresh);
    const problem = identityProblem(streamName, recorded, current);
    if (problem !== null) throw ApplicationFailure.nonRetryable(problem, ErrorType.StreamRecreated);
  }

  /** Describes the stream and caches it; joins a describe under way unless `fresh` (one started after a failed read). */
  private describe(streamName: string, now: number, fresh: boolean): Promise<StreamIdentity | null> {
    const pending = fresh ? undefined : this.describing.get(streamName);
    if (pending) return pending;
    const described = this.deps.describe(streamName).then((identity) => {
      this.cache.set(streamName, { identity, at: now });
      return identity;
    });
    const settled = (): void => {
      if (this.describing.get(streamName) === described) this.describing.delete(streamName);
    };
    described.then(settled, settled);
    this.describing.set(streamName, described);
    return described;
  }
}

/** Failures a recreated stream causes: worth an uncached look before reporting them as they are. */
export function mayBeRecreated(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return type === ErrorType.StreamNotFound || type === ErrorType.AwsBadRequest;
}
