/**
 * The shard workflow's input as clients send it and histories keep it, and the one step that
 * upgrades it to the current shape at the workflow's entry. A field added over time is optional
 * in the stored type, so the workflow body never needs a compatibility fallback. Pure module.
 */
import {
  type FieldCheck,
  isBoolean,
  isCount,
  isObject,
  isText,
  nullable,
  optional,
  shapeProblem,
} from '../config/shape';
import {
  type StoredStreamOptions,
  storedOptionsProblem,
  upgradeCompiledOptions,
} from '../config/stored-options';
import type { CompiledStreamOptions, ShardStartPosition } from '../config/stream-options';
import { boundReason } from './shard-messages';
import { type StreamIdentity, asIdentity } from './stream-identity';
import type { ShardState } from './shard-state';

/** `ShardState` as any release carried it across continue-as-new or into a resumed run. */
export interface StoredShardState
  extends Omit<
    ShardState,
    'bisect' | 'checkpointMovedAt' | 'filteredOut' | 'lastSeek' | 'owed' | 'owedOverflow' | 'quarantinedKeys'
  > {
  /** Absent before live seek: the shard was never moved. */
  lastSeek?: ShardState['lastSeek'];
  /** Absent before owed records: nothing was owed (a retry redelivered Lambda's way). */
  owed?: ShardState['owed'];
  owedOverflow?: boolean;
  /** Absent before per-key quarantine: no key was quarantined. */
  quarantinedKeys?: string[];
  /** Absent before event filtering: nothing was filtered out. */
  filteredOut?: number;
  /** Absent before the failure policy (bisectBatchOnError): no batch was being split. */
  bisect?: ShardState['bisect'];
  /** Absent before the checkpoint-age metric: not known, until the checkpoint next moves. */
  checkpointMovedAt?: string | null;
}

/** What starts a shard workflow (the stream's shard starter, `temporal workflow start`, tests). */
export interface ShardWorkflowInput {
  streamName: string;
  shardId: string;
  /** Workflow ID of the stream workflow to report to; null when run on its own. */
  streamWorkflowId: string | null;
  options: StoredStreamOptions;
  startPosition: ShardStartPosition;
  /** The stream the checkpoints belong to (stream-identity.ts); absent before identities were recorded. */
  streamIdentity?: StreamIdentity | null;
  /** Carried by continue-as-new, or by a new run resuming a closed one; absent on a first run. */
  state?: StoredShardState;
}

/** The input in its current shape: what the workflow body reads. */
export interface ShardRunInput {
  streamName: string;
  shardId: string;
  streamWorkflowId: string | null;
  options: CompiledStreamOptions;
  startPosition: ShardStartPosition;
  /** null or absent: not recorded (started before identities were), not checked. */
  streamIdentity?: StreamIdentity | null;
  /** null on a first run. */
  state: ShardState | null;
}

function upgradeShardState(stored: StoredShardState): ShardState {
  return {
    checkpoint: stored.checkpoint,
    attempt: stored.attempt,
    bisect: stored.bisect ?? null,
    paused: stored.paused,
    // The stream workflow forwards its own pause reason: bound it like a `pause` signal's.
    pauseReason: stored.pauseReason === null ? null : boundReason(stored.pauseReason),
    handled: stored.handled,
    deadLettered: stored.deadLettered,
    batches: stored.batches,
    bytes: stored.bytes,
    filteredOut: stored.filteredOut ?? 0,
    millisBehindLatest: stored.millisBehindLatest,
    lastArrival: stored.lastArrival,
    lastError: stored.lastError,
    checkpointMovedAt: stored.checkpointMovedAt ?? null,
    lastSeek: stored.lastSeek ?? null,
    run: stored.run,
    owed: stored.owed ?? null,
    owedOverflow: stored.owedOverflow ?? false,
    quarantinedKeys: stored.quarantinedKeys ?? [],
  };
}

/** The one place where inputs written by older releases become the current shape. */
export function upgradeShardInput(stored: ShardWorkflowInput): ShardRunInput {
  const identity = asIdentity(stored.streamIdentity);
  return {
    streamName: stored.streamName,
    shardId: stored.shardId,
    streamWorkflowId: stored.streamWorkflowId,
    options: upgradeCompiledOptions(stored.options),
    startPosition: stored.startPosition,
    ...(identity ? { streamIdentity: identity } : {}),
    state: stored.state === undefined ? null : upgradeShardState(stored.state),
  };
}

const COUNT = 'a number ≥ 0';
const isString = (value: unknown): boolean => typeof value === 'string';
const isCheckpoint = (v: unknown): boolean =>
  isObject(v) && isText(v.sequenceNumber) && optional(isCount)(v.subSequenceNumber);
const INPUT_CHECKS: readonly FieldCheck[] = [
  ['streamName', isText, 'the stream name'],
  ['shardId', isText, 'a shard ID such as "shardId-000000000000"'],
  ['streamWorkflowId', nullable(isText), 'null or the stream workflow ID'],
  [
    'startPosition',
    (v) => isObject(v) && isText(v.type),
    'a start position such as {"type": "TRIM_HORIZON"}',
  ],
  ['streamIdentity', optional(nullable(isObject)), 'absent, or {"arn", "createdAt"}'],
  ['state', optional(isObject), 'absent, or the state a previous run carried'],
];
const STATE_CHECKS: readonly FieldCheck[] = [
  [
    'checkpoint',
    nullable((v) => isObject(v) && isText(v.sequenceNumber) && optional(isCount)(v.subSequenceNumber)),
    'null or {"sequenceNumber": "<digits>"}',
  ],
  ['attempt', isCount, COUNT],
  [
    'bisect',
    optional(nullable((v) => isObject(v) && isCount(v.limit) && isCount(v.remaining))),
    'null or a bisect',
  ],
  ['paused', isBoolean, 'true or false'],
  ['pauseReason', nullable(isString), 'null or text'],
  ['checkpointMovedAt', optional(nullable(isText)), 'null or an ISO time'],
  [
    'lastSeek',
    optional(nullable((v) => isObject(v) && isText(v.at) && isObject(v.to))),
    'null or a seek record',
  ],
  ['handled', isCount, COUNT],
  ['deadLettered', isCount, COUNT],
  ['batches', isCount, COUNT],
  ['bytes', isCount, COUNT],
  ['filteredOut', optional(isCount), COUNT],
  ['millisBehindLatest', nullable(isCount), `null or ${COUNT}`],
  ['lastArrival', nullable(isString), 'null or an ISO time'],
  [
    'lastError',
    nullable((v) => isObject(v) && isString(v.type) && isString(v.message) && isString(v.at)),
    'null or {"type", "message", "at"}',
  ],
  ['run', isCount, COUNT],
  [
    'owed',
    optional(
      nullable(
        (v) =>
          isObject(v) && isCheckpoint(v.through) && Array.isArray(v.records) && v.records.every(isCheckpoint),
      ),
    ),
    'null or {"through": <checkpoint>, "records": [<checkpoint>…]}',
  ],
  ['owedOverflow', optional(isBoolean), 'true or false'],
  [
    'quarantinedKeys',
    optional(
      (v) =>
        Array.isArray(v) &&
        v.length <= 10_000 &&
        (v as unknown[]).every((k) => typeof k === 'string' && k.length > 0 && k.length <= 64),
    ),
    'a list of key hashes',
  ],
];

/**
 * What keeps `value` from being a shard workflow input, or null. Checked at the workflow's entry,
 * before the upgrade: a malformed input fails the workflow with this message instead of failing
 * its task over and over (DESIGN.md rule 10).
 */
export function shardInputProblem(value: unknown): string | null {
  const problem = shapeProblem('input', value, INPUT_CHECKS);
  if (problem !== null) return problem;
  const { options, state } = value as { options: unknown; state?: unknown };
  return (
    storedOptionsProblem(options, 'input.options') ??
    (state === undefined ? null : shapeProblem('input.state', state, STATE_CHECKS))
  );
}
