/**
 * The stream workflow's decisions, as a plain class over plain JSON (no Temporal import, unit-tested
 * without a server): which shards are known, which may start now (lineage order, DESIGN.md rule 5),
 * what shard reports, pause/resume/stop and reshards change, and what `status` answers. The
 * workflow function (stream.ts) only runs the loop, the activities and the signals around it.
 * Every method takes payloads that stream-payloads.ts has already validated.
 */
import type { Checkpoint } from '../records';
import type { ShardStartPosition, StartPosition } from '../config/stream-options';
import { startableShards, startPositionFor } from './lineage';
import { pruneLedger } from './reshard-limits';
import type { SeekPosition } from './seek';
import { type StreamSeekPlan, type StreamSeekRecord, planStreamSeek } from './stream-seek';
import type { ReshardLedgerEntry, ShardEndedReport, StreamStatus } from './stream-messages';
import type { ShardRunState, ShardStatus } from './shard-messages';
import { type StreamIdentity, identityProblem } from './stream-identity';

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
  /** Checkpoint the shard ended at (from its shardEnded report); absent until it ends. */
  endCheckpoint?: Checkpoint | null;
  /** Set by a whole-stream seek (stream-seek.ts): where the shard starts (again), who asked. */
  seek?: { position: SeekPosition; requestedBy: string };
  /** Stopped by a whole-stream seek to wait again for its parents; its workflow is still draining. */
  awaitingStop?: boolean;
}

/** Everything the stream workflow carries across continue-as-new: plain JSON only. */
export interface StreamStateData {
  shards: Record<string, StreamShardEntry>;
  paused: boolean;
  pauseReason: string | null;
  stopRequested: boolean;
  discoveredAt: string | null;
  run: number;
  /** Recent shard-layout changes (reshardCompleted), pruned to the rolling 24 h. */
  reshards: ReshardLedgerEntry[];
  /** Children a shard's ChildShards named that discovery has not listed yet (ListShards lags on AWS). */
  awaitedChildren: string[];
  /** The stream these checkpoints belong to; absent until discovery first sees it (and in older runs). */
  identity?: StreamIdentity;
  /** The last seek (absent until the first one). */
  lastSeek?: StreamSeekRecord;
}

export interface StreamWorkflowResult {
  streamName: string;
  shards: Record<string, { state: ShardRunState; checkpoint: ShardStatus['checkpoint'] }>;
}

/** A shard as discovery lists it. */
export interface DiscoveredShard {
  shardId: string;
  parentShardIds: string[];
}

/** What starting a shard workflow found: it runs, or its shard was already read to the end. */
export interface ShardStarted {
  state: ShardRunState;
  status: ShardStatus | null;
}

/** A shard whose workflow may start now, and where it starts reading. */
export interface ShardToStart {
  shardId: string;
  startPosition: ShardStartPosition;
  /** A seek restarts it: from `startPosition`, without the checkpoint of an earlier run. */
  seek?: { requestedBy: string };
}

/** How soon to look again for children that ChildShards named but ListShards did not list yet… */
export const AWAITED_CHILDREN_RETRY_MS = 2_000;
/** …and how many times before leaving them to the periodic discovery. */
export const AWAITED_CHILDREN_RETRIES = 30;
/** Ledger entries kept whatever their age: Kinesis allows 10 count changes a day, this is far more. */
export const MAX_LEDGER_ENTRIES = 500;
const ACTIVE: readonly ShardRunState[] = ['running', 'paused'];

export function initialStreamState(): StreamStateData {
  return {
    shards: {},
    paused: false,
    pauseReason: null,
    stopRequested: false,
    discoveredAt: null,
    run: 1,
    reshards: [],
    awaitedChildren: [],
  };
}

export class StreamState {
  /** Look for shards at the next turn of the loop: at start, after a shard ended or a reshard, on request. */
  needDiscovery = true;
  private awaitedRetries = 0;
  private readonly data: StreamStateData;

  /** `carried`: the state a previous run passed on (continue-as-new), or null for a first run. */
  constructor(
    readonly streamName: string,
    carried: StreamStateData | null,
  ) {
    this.data = carried ? { ...carried, run: carried.run + 1 } : initialStreamState();
  }

  /** The plain JSON to continue as new with. */
  snapshot(): StreamStateData {
    return this.data;
  }

  get stopRequested(): boolean {
    return this.data.stopRequested;
  }

  get paused(): boolean {
    return this.data.paused;
  }

  get pauseReason(): string | null {
    return this.data.pauseReason;
  }

  /** The stream the checkpoints belong to; null until discovery sees it. */
  get identity(): StreamIdentity | null {
    return this.data.identity ?? null;
  }

  /**
   * What discovery found the stream to be: adopted when nothing is recorded yet; null when it is
   * the recorded stream, else the refusal (the stream was deleted and recreated).
   */
  checkIdentity(current: StreamIdentity | null | undefined): string | null {
    const problem = identityProblem(this.streamName, this.data.identity, current);
    if (problem === null && current && !this.data.identity) this.data.identity = current;
    return problem;
  }

  /** Shards whose workflows run (or are paused): the ones pause/resume/stop reach. */
  activeShardIds(): string[] {
    return Object.values(this.data.shards)
      .filter((s) => ACTIVE.includes(s.state))
      .map((s) => s.shardId);
  }

  /** Stop was asked and every shard has stopped or finished: the workflow may complete. */
  get drained(): boolean {
    return this.data.stopRequested && this.activeShardIds().length === 0;
  }

  /** Discovery starts: a request made while it is under way asks for another one. */
  beginDiscovery(): void {
    this.needDiscovery = false;
  }

  /**
   * Records what discovery listed. Returns the awaited children given up on (ListShards still
   * does not list them after many tries): the periodic discovery will find them.
   */
  applyDiscovery(shards: readonly DiscoveredShard[], nowIso: string): string[] {
    const firstDiscovery = this.data.discoveredAt === null;
    for (const shard of shards) {
      if (this.data.shards[shard.shardId]) continue;
      this.data.shards[shard.shardId] = {
        shardId: shard.shardId,
        parentShardIds: shard.parentShardIds,
        state: 'waiting-for-parents',
        status: null,
        ...(firstDiscovery ? {} : { createdWhileConsuming: true }),
      };
    }
    this.data.discoveredAt = nowIso;
    const awaited = this.data.awaitedChildren.filter((id) => !this.data.shards[id]);
    this.data.awaitedChildren = awaited;
    if (awaited.length === 0 || ++this.awaitedRetries <= AWAITED_CHILDREN_RETRIES) return [];
    this.data.awaitedChildren = [];
    return awaited;
  }

  /** Shards that may start now (every parent read to its end), with where each starts. */
  startable(configured: StartPosition): ShardToStart[] {
    return startableShards(this.data.shards)
      .filter((shardId) => this.data.shards[shardId]?.awaitingStop !== true)
      .map((shardId) => {
        const seek = this.data.shards[shardId]?.seek;
        return seek
          ? { shardId, startPosition: seek.position, seek: { requestedBy: seek.requestedBy } }
          : { shardId, startPosition: startPositionFor(this.data.shards, shardId, configured) };
      });
  }

  /** A whole-stream seek (stream-seek.ts): returns which shards to move and which to stop. */
  seekAll(
    position: SeekPosition,
    listed: ReadonlySet<string>,
    requestedBy: string,
    nowIso: string,
  ): StreamSeekPlan {
    const plan = planStreamSeek(this.data.shards, position, listed, requestedBy, nowIso);
    this.data.lastSeek = { requestedBy, at: nowIso, to: position, ...plan };
    this.needDiscovery = true; // start the shards to read again at the next turn of the loop
    return plan;
  }

  /** A seek of one running shard, for the status. */
  recordShardSeek(shardId: string, position: SeekPosition, requestedBy: string, nowIso: string): void {
    this.data.lastSeek = {
      requestedBy,
      at: nowIso,
      to: position,
      shardId,
      moved: [shardId],
      held: [],
      restarted: [],
    };
  }

  /** A shard held by a seek could not be told to stop (its workflow already closed): start it anyway. */
  stopFailed(shardId: string): void {
    const entry = this.data.shards[shardId];
    if (entry?.awaitingStop) delete entry.awaitingStop;
  }

  /** Some shard (or the stream) is paused: `resume` has something to do. */
  get anyPaused(): boolean {
    return this.data.paused || Object.values(this.data.shards).some((s) => s.state === 'paused');
  }

  applyStarted(shardId: string, started: ShardStarted): void {
    const entry = this.data.shards[shardId];
    if (!entry) return;
    entry.state = started.state;
    if (started.status) entry.status = started.status;
    if (started.state !== 'waiting-for-parents') delete entry.seek;
    // A finished shard unlocks its children in the same pass.
    if (started.state === 'finished') this.needDiscovery = true;
  }

  /**
   * The quarantined keys a shard inherits from its parents (their final status): per-key order
   * holds across a reshard, so a key held back in a parent stays held back in its children.
   */
  inheritedQuarantine(shardId: string): string[] {
    const parents = this.data.shards[shardId]?.parentShardIds ?? [];
    const keys = parents.flatMap((p) => this.data.shards[p]?.status?.quarantinedKeys ?? []);
    return [...new Set(keys)];
  }

  /** A shard's periodic report (or its stopped acknowledgement). */
  applyProgress(report: ShardStatus): void {
    const entry = this.data.shards[report.shardId];
    if (!entry || entry.state === 'finished') return;
    if (entry.awaitingStop) {
      // Held by a seek: it waits for its parents again; its stop acknowledgement frees it.
      if (report.state === 'stopped') delete entry.awaitingStop;
      return;
    }
    if (entry.seek) return; // a late report of the run a seek replaces
    entry.status = report;
    entry.state = report.state;
  }

  /** A shard was read to its end: its children may start once all their parents have ended. */
  applyEnded(report: ShardEndedReport): void {
    const entry = this.data.shards[report.shardId];
    const unknown = (report.childShardIds ?? []).filter((id) => !this.data.shards[id]);
    if (unknown.length > 0) {
      this.data.awaitedChildren = [...new Set([...this.data.awaitedChildren, ...unknown])];
      this.awaitedRetries = 0;
    }
    if (entry?.awaitingStop || entry?.seek) {
      // Held (or to be restarted) by a seek: it reached its end before the stop; it reads again.
      delete entry.awaitingStop;
    } else if (entry) {
      entry.state = 'finished';
      entry.endCheckpoint = report.checkpoint;
      if (report.status) entry.status = { ...report.status, state: 'finished' };
      else if (entry.status)
        entry.status = { ...entry.status, checkpoint: report.checkpoint, state: 'finished' };
    }
    // Learn the children's lineage now rather than at the next periodic discovery.
    this.needDiscovery = true;
  }

  /** Returns the reason the shards are told. */
  pause(reason: string | undefined): string {
    this.data.paused = true;
    this.data.pauseReason = reason ?? 'paused by operator';
    return this.data.pauseReason;
  }

  resume(): void {
    this.data.paused = false;
    this.data.pauseReason = null;
  }

  stop(): void {
    this.data.stopRequested = true;
  }

  /** Look for new shards now (rediscover signal, or the periodic timer fired). */
  requestDiscovery(): void {
    this.needDiscovery = true;
  }

  /** Durable record for the 10-per-24 h limit on count changes; the new shards are found now. */
  recordReshard(entry: ReshardLedgerEntry, nowMs: number): void {
    this.data.reshards = [...this.ledger(nowMs), entry].slice(-MAX_LEDGER_ENTRIES);
    this.needDiscovery = true;
  }

  /** The ledger without entries that left the 24 h window (read-only: queries use it too). */
  ledger(nowMs: number): ReshardLedgerEntry[] {
    return pruneLedger(this.data.reshards, nowMs);
  }

  /** How long to wait for a signal before looking for shards again. */
  nextWakeMs(rediscoverIntervalMs: number): number {
    return this.data.awaitedChildren.length > 0 ? AWAITED_CHILDREN_RETRY_MS : rediscoverIntervalMs;
  }

  status(nowMs: number): StreamStatus {
    const entries = Object.values(this.data.shards);
    const shards = [...entries]
      .sort((a, b) => (a.shardId < b.shardId ? -1 : 1))
      .map((s) =>
        s.status
          ? { ...s.status, state: s.state }
          : { shardId: s.shardId, state: s.state, parentShardIds: s.parentShardIds },
      );
    let handled = 0;
    let deadLettered = 0;
    let maxLag: number | null = null;
    for (const s of entries) {
      handled += s.status?.handled ?? 0;
      deadLettered += s.status?.deadLettered ?? 0;
      const lag = s.state === 'finished' ? null : (s.status?.millisBehindLatest ?? null);
      if (lag !== null) maxLag = Math.max(maxLag ?? 0, lag);
    }
    return {
      streamName: this.streamName,
      state: this.data.stopRequested
        ? this.drained
          ? 'stopped'
          : 'stopping'
        : this.data.paused
          ? 'paused'
          : 'running',
      shards,
      totals: { handled, deadLettered, maxMillisBehindLatest: maxLag },
      discoveredAt: this.data.discoveredAt,
      run: this.data.run,
      reshards: this.ledger(nowMs),
      ...(this.data.lastSeek ? { lastSeek: this.data.lastSeek } : {}),
    };
  }

  result(): StreamWorkflowResult {
    const shards: StreamWorkflowResult['shards'] = {};
    for (const s of Object.values(this.data.shards)) {
      shards[s.shardId] = { state: s.state, checkpoint: s.status?.checkpoint ?? null };
    }
    return { streamName: this.streamName, shards };
  }
}
