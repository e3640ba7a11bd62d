/**
 * Kinesis resharding limits, checked before any call that changes the stream (anchors.md §3.4):
 * the stream must be ACTIVE and PROVISIONED; one UpdateShardCount call goes at most to 2× and at
 * least to ½ of the open shard count; at most 10 count changes per stream per rolling 24 h; the
 * shard count stays within the account limit (DescribeLimits), 10,000 per stream and a configured
 * maximum. Pure functions over plain JSON: the reshard workflow, the autoscale policy and unit tests
 * share them. Every refusal names the limit and what is allowed.
 */
import type { ReshardLedgerEntry } from './stream-messages';
import { areAdjacent, middleHashKey } from './hash-range';
import type { OpenShard, ReshardRequest } from './reshard-messages';

export const KINESIS_RESHARD_LIMITS = {
  /** UpdateShardCount: the target is at most this times the open shard count… */
  maxScaleUpFactor: 2,
  /** …and at least the open shard count divided by this (rounded up). */
  maxScaleDownDivisor: 2,
  /** UpdateShardCount calls per stream per rolling window. */
  countChangesPerWindow: 10,
  windowMs: 24 * 60 * 60_000,
  /** UpdateShardCount cannot scale a stream above this many shards (default quota). */
  maxShardsPerStream: 10_000,
} as const;

/** What the reshard workflow knows about the stream before it changes anything. */
export interface StreamShape {
  streamName: string;
  /** CREATING | UPDATING | ACTIVE | DELETING */
  status: string;
  /** null where the backend does not report it (kinesalite: always provisioned). */
  mode: 'PROVISIONED' | 'ON_DEMAND' | null;
  /** Sorted by starting hash key. */
  openShards: OpenShard[];
  /** From DescribeLimits; null where the backend does not have it (kinesalite). */
  account: { shardLimit: number; openShardCount: number } | null;
}

export type ReshardLimit =
  | 'stream-status'
  | 'stream-mode'
  | 'target'
  | 'scale-factor'
  | 'count-changes-per-24h'
  | 'shard-count-bounds'
  | 'shard-not-open'
  | 'hash-key'
  | 'not-adjacent';

export interface Refusal {
  ok: false;
  limit: ReshardLimit;
  message: string;
}

export interface Approval {
  ok: true;
  /** Open shard count after each call: one entry per UpdateShardCount call (empty: nothing to do). */
  steps: number[];
  /** For a split: the hash key it splits at (the given one, or the middle of the range). */
  newStartingHashKey?: string;
}

export type ReshardVerdict = Approval | Refusal;

function refuse(limit: ReshardLimit, message: string): Refusal {
  return { ok: false, limit, message };
}

/** Targets one UpdateShardCount call may reach from `open` shards. */
export function countStepRange(open: number): { min: number; max: number } {
  return {
    min: Math.max(1, Math.ceil(open / KINESIS_RESHARD_LIMITS.maxScaleDownDivisor)),
    max: open * KINESIS_RESHARD_LIMITS.maxScaleUpFactor,
  };
}

/** The fewest calls from `from` to `to` shards, each within countStepRange: 8 → 3 is [4, 3]. */
export function countSteps(from: number, to: number): number[] {
  const steps: number[] = [];
  let current = from;
  while (current !== to) {
    const range = countStepRange(current);
    current = to > current ? Math.min(to, range.max) : Math.max(to, range.min);
    steps.push(current);
  }
  return steps;
}

/** The most shards the stream may have, and which bound sets it. */
export function shardCeiling(
  open: number,
  account: StreamShape['account'],
  configuredMax: number,
): { max: number; because: string } {
  const bounds: Array<{ max: number; because: string }> = [
    { max: configuredMax, because: `the configured maximum of ${configuredMax} shards (maxShards)` },
    {
      max: KINESIS_RESHARD_LIMITS.maxShardsPerStream,
      because: `the per-stream maximum of ${KINESIS_RESHARD_LIMITS.maxShardsPerStream} shards for UpdateShardCount`,
    },
  ];
  if (account) {
    const { shardLimit, openShardCount } = account;
    bounds.push({
      max: shardLimit - openShardCount + open,
      because: `the account's shard limit (DescribeLimits: ${shardLimit} shards, ${openShardCount} open in the account, ${open} of them in this stream); ask AWS to raise it`,
    });
  }
  return bounds.reduce((a, b) => (b.max < a.max ? b : a));
}

/** Count changes made in the rolling window ending at `nowMs`, and when `needed` more are allowed. */
export function countChangeBudget(
  ledger: readonly ReshardLedgerEntry[],
  nowMs: number,
  needed = 1,
): { used: number; remaining: number; allowedAt: string | null } {
  const { countChangesPerWindow, windowMs } = KINESIS_RESHARD_LIMITS;
  const inWindow = ledger
    .filter((e) => e.kind === 'count' && Date.parse(e.at) > nowMs - windowMs)
    .map((e) => Date.parse(e.at))
    .sort((a, b) => a - b);
  const used = inWindow.length;
  const excess = used + needed - countChangesPerWindow;
  const leaving = excess > 0 ? inWindow[excess - 1] : undefined;
  return {
    used,
    remaining: Math.max(0, countChangesPerWindow - used),
    allowedAt: leaving === undefined ? null : new Date(leaving + windowMs).toISOString(),
  };
}

/** Drops ledger entries older than the window, keeping at least the last `keep` for display. */
export function pruneLedger(
  ledger: readonly ReshardLedgerEntry[],
  nowMs: number,
  keep = 5,
): ReshardLedgerEntry[] {
  const cutoff = nowMs - KINESIS_RESHARD_LIMITS.windowMs;
  return ledger.filter((e, i) => Date.parse(e.at) > cutoff || i >= ledger.length - keep);
}

function checkStream(shape: StreamShape): Refusal | null {
  if (shape.status !== 'ACTIVE') {
    return refuse(
      'stream-status',
      `stream "${shape.streamName}" is ${shape.status}: Kinesis reshards only an ACTIVE stream, one change at a time; wait until it is ACTIVE and ask again`,
    );
  }
  if (shape.mode === 'ON_DEMAND') {
    return refuse(
      'stream-mode',
      `stream "${shape.streamName}" is in ON_DEMAND capacity mode: Kinesis scales it by itself and refuses UpdateShardCount, SplitShard and MergeShards; switch it to PROVISIONED to reshard it`,
    );
  }
  return null;
}

function shardIds(shards: readonly OpenShard[]): string {
  const ids = shards.map((s) => s.shardId);
  return ids.length > 6 ? `${ids.slice(0, 6).join(', ')}, …` : ids.join(', ');
}

function findOpen(shape: StreamShape, shardId: string): OpenShard | Refusal {
  const shard = shape.openShards.find((s) => s.shardId === shardId);
  return (
    shard ??
    refuse(
      'shard-not-open',
      `${shardId} is not an open shard of stream "${shape.streamName}" (closed by an earlier reshard, or misspelt); open shards: ${shardIds(shape.openShards)}`,
    )
  );
}

function checkCount(
  request: Extract<ReshardRequest, { kind: 'count' }>,
  shape: StreamShape,
  ledger: readonly ReshardLedgerEntry[],
  maxShards: number,
  nowMs: number,
): ReshardVerdict {
  const target = request.targetShardCount;
  const open = shape.openShards.length;
  if (!Number.isInteger(target) || target < 1) {
    return refuse('target', `target shard count ${String(target)} is not a whole number of at least 1`);
  }
  if (target === open) return { ok: true, steps: [] };
  const ceiling = shardCeiling(shape.openShards.length, shape.account, maxShards);
  if (target > ceiling.max) {
    return refuse(
      'shard-count-bounds',
      `${target} shards is above ${ceiling.because}: at most ${ceiling.max} for stream "${shape.streamName}"`,
    );
  }
  const steps = countSteps(open, target);
  const range = countStepRange(open);
  if (steps.length > 1 && !request.allowMultipleSteps) {
    return refuse(
      'scale-factor',
      `one UpdateShardCount call may take stream "${shape.streamName}" from ${open} open shards to ${range.min}–${range.max} (at most 2× up, at least ½ down); ${target} needs ${steps.length} calls (${[open, ...steps].join(' → ')}): ask for ${steps[0]} first, or allow several steps (--steps)`,
    );
  }
  const budget = countChangeBudget(ledger, nowMs, steps.length);
  if (budget.used + steps.length > KINESIS_RESHARD_LIMITS.countChangesPerWindow) {
    return refuse(
      'count-changes-per-24h',
      `Kinesis allows ${KINESIS_RESHARD_LIMITS.countChangesPerWindow} shard-count changes per stream per rolling 24 h; stream "${shape.streamName}" has had ${budget.used}, so ${budget.remaining} ${budget.remaining === 1 ? 'is' : 'are'} left and this change needs ${steps.length}; it is allowed again at ${budget.allowedAt ?? 'once older changes leave the window'}`,
    );
  }
  return { ok: true, steps };
}

function checkSplit(
  request: Extract<ReshardRequest, { kind: 'split' }>,
  shape: StreamShape,
  maxShards: number,
): ReshardVerdict {
  const shard = findOpen(shape, request.shardId);
  if ('ok' in shard) return shard;
  const open = shape.openShards.length;
  const ceiling = shardCeiling(shape.openShards.length, shape.account, maxShards);
  if (open + 1 > ceiling.max) {
    return refuse(
      'shard-count-bounds',
      `splitting would make ${open + 1} shards, above ${ceiling.because}: at most ${ceiling.max} for stream "${shape.streamName}"`,
    );
  }
  const start = BigInt(shard.startingHashKey);
  const end = BigInt(shard.endingHashKey);
  const key = request.newStartingHashKey ?? middleHashKey(shard);
  const valid = /^\d{1,39}$/.test(key) && BigInt(key) > start + 1n && BigInt(key) < end;
  if (!valid) {
    return refuse(
      'hash-key',
      end - start < 3n
        ? `${shard.shardId} covers too few hash keys (${shard.startingHashKey}–${shard.endingHashKey}) to be split`
        : `new starting hash key ${key} must be a decimal number above ${(start + 1n).toString()} (1 + the shard's starting hash key) and below ${shard.endingHashKey} (its ending hash key); omit it to split ${shard.shardId} in the middle`,
    );
  }
  return { ok: true, steps: [open + 1], newStartingHashKey: key };
}

function checkMerge(request: Extract<ReshardRequest, { kind: 'merge' }>, shape: StreamShape): ReshardVerdict {
  const [a, b] = request.shardIds;
  if (a === b) return refuse('not-adjacent', `cannot merge ${a} with itself: name two adjacent open shards`);
  const first = findOpen(shape, a);
  if ('ok' in first) return first;
  const second = findOpen(shape, b);
  if ('ok' in second) return second;
  if (!areAdjacent(first, second)) {
    const neighbours = shape.openShards.filter((s) => areAdjacent(first, s)).map((s) => s.shardId);
    return refuse(
      'not-adjacent',
      `${a} (${first.startingHashKey}–${first.endingHashKey}) and ${b} (${second.startingHashKey}–${second.endingHashKey}) are not adjacent: Kinesis merges only shards whose hash ranges touch; ${a} can merge with ${neighbours.join(' or ') || 'no open shard'}`,
    );
  }
  return { ok: true, steps: [shape.openShards.length - 1] };
}

/**
 * Checks a reshard request against every limit, before anything is changed. `ledger` is the
 * stream workflow's record of recent changes; `nowMs` the current (workflow) time.
 */
export function checkReshard(
  request: ReshardRequest,
  shape: StreamShape,
  ledger: readonly ReshardLedgerEntry[],
  options: { maxShards: number; nowMs: number },
): ReshardVerdict {
  const stream = checkStream(shape);
  if (stream) return stream;
  switch (request.kind) {
    case 'count':
      return checkCount(request, shape, ledger, options.maxShards, options.nowMs);
    case 'split':
      return checkSplit(request, shape, options.maxShards);
    case 'merge':
      return checkMerge(request, shape);
  }
}
