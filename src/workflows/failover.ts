/**
 * `heartbeatTimeout` is the failover bound a user sets: how soon a dead worker's busy shards are
 * consumed by another worker. The server times out a silent activity only after its heartbeat
 * timeout, counted from the last heartbeat (which can be the moment of the crash); the retry
 * (`SHARD_RETRY`, first after 200 ms), its dispatch and the first read come on top (measured
 * ~1.3 s). So the shard's activities ask the server for a heartbeat timeout shorter by that
 * margin, and a failover lands within the configured value.
 */

/** The margin for the retry, its dispatch and the first read after the heartbeat timed out. */
export const FAILOVER_MARGIN_MS = 2_000;

/**
 * The heartbeat timeout the shard's activities are scheduled with: `heartbeatTimeoutMs` less the
 * failover margin, never less than 4/5 of it, and always above `idlePollIntervalMs` (a poll that
 * waits that long between calls still heartbeats in time; the options check keeps
 * `heartbeatTimeout` above it).
 */
export function activityHeartbeatTimeoutMs(options: {
  heartbeatTimeoutMs: number;
  idlePollIntervalMs: number;
}): number {
  const { heartbeatTimeoutMs, idlePollIntervalMs } = options;
  const room = Math.max(0, heartbeatTimeoutMs - idlePollIntervalMs);
  const margin = Math.min(FAILOVER_MARGIN_MS, Math.floor(heartbeatTimeoutMs / 5), Math.floor(room / 2));
  return heartbeatTimeoutMs - margin;
}
