/**
 * Signals and the query of the shard workflow, their payload types, and the pure validators its
 * handlers run before anything reaches state (DESIGN.md rule 10). Clients (the `ksp` CLI, the
 * stream workflow, tests, the Temporal CLI by name) and the shard workflow share these definitions.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Checkpoint } from '../records';
import type { SeekRecord, ShardSeekInput } from './seek';

export type ShardRunState = 'waiting-for-parents' | 'running' | 'paused' | 'stopped' | 'finished';

/** What a shard workflow reports about itself. */
export interface ShardStatus {
  streamName: string;
  shardId: string;
  state: ShardRunState;
  checkpoint: Checkpoint | null;
  /** Delivery attempt of the record at the checkpoint (1 when healthy). */
  attempt: number;
  millisBehindLatest: number | null;
  lastArrival: string | null;
  handled: number;
  deadLettered: number;
  batches: number;
  bytes: number;
  /** Records no filter of `filterCriteria` matched: checkpointed past, never handled (Lambda's FilteredOutEventCount). */
  filteredOut?: number;
  /**
   * Hashes of the partition keys held back by the quarantine (quarantineKeys; the DLQ holds the
   * keys themselves). Absent when the quarantine is off.
   */
  quarantinedKeys?: string[];
  /** Records a failed attempt still owes the handler (maxOwedRecords); absent when none. */
  owedRecords?: number;
  /** True while a retry redelivers everything after the lowest failed record (more failed than maxOwedRecords). */
  owedOverflow?: boolean;
  /** Why the shard is paused or retrying, if it is. */
  lastError: { type: string; message: string; at: string } | null;
  /** At most `MAX_PAUSE_REASON_LENGTH` characters, on one line. */
  pauseReason: string | null;
  /** The last live seek: who asked, when it took effect, the checkpoint it replaced, the target. */
  lastSeek?: SeekRecord;
  /** Runs since the workflow started (continue-as-new count + 1). */
  run: number;
  updatedAt: string;
}

export interface PauseInput {
  /** Shown in `status`; cut to `MAX_PAUSE_REASON_LENGTH` characters. */
  reason?: string;
}

/** Shard workflow: stop fetching after the batch in flight; the checkpoint is kept. */
export const pauseShardSignal = defineSignal<[PauseInput?]>('pause');
/** Shard workflow: continue from the checkpoint (also clears a pause caused by a fatal error). */
export const resumeShardSignal = defineSignal<[]>('resume');
/** Shard workflow: finish the batch in flight, then complete with the checkpoint (drain). */
export const stopShardSignal = defineSignal<[]>('stop');
export const shardStatusQuery = defineQuery<ShardStatus>('status');
/** Shard workflow (from the stream workflow, which cannot send Updates): move the shard (seek.ts). */
export const seekShardSignal = defineSignal<[ShardSeekInput]>('seek');

/**
 * The same operations as Updates, which answer with the shard's status once they took effect and
 * whose validators reject a bad request before it enters history (`temporal workflow update
 * execute --name pause …`). Signals and Updates have separate names spaces: both keep these names.
 */
/** Its input may be left out (`temporal workflow update execute --name pause` with no --input). */
export const pauseShardUpdate = defineUpdate<ShardStatus, [PauseInput]>('pause');
export const resumeShardUpdate = defineUpdate<ShardStatus, []>('resume');
export const stopShardUpdate = defineUpdate<ShardStatus, []>('stop');
export const seekShardUpdate = defineUpdate<ShardStatus, [ShardSeekInput]>('seek');

/** Longest pause reason kept in state and status; a longer one is cut, with an ellipsis. */
export const MAX_PAUSE_REASON_LENGTH = 500;
export const DEFAULT_PAUSE_REASON = 'paused by operator';

/** One line of at most `MAX_PAUSE_REASON_LENGTH` characters: control characters become spaces. */
export function boundReason(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return line.length <= MAX_PAUSE_REASON_LENGTH ? line : `${line.slice(0, MAX_PAUSE_REASON_LENGTH - 1)}…`;
}

/** A short description of a payload for a log line: its type and a bounded preview, never all of it. */
export function describePayload(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  if (typeof value === 'string') {
    const preview = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return `a string of ${value.length} character(s) (${JSON.stringify(preview)})`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    const shown = keys.slice(0, 5).map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k));
    return `an object with keys [${shown.join(', ')}${keys.length > 5 ? ', …' : ''}]`;
  }
  return typeof value === 'number' || typeof value === 'boolean' ? `${typeof value} ${value}` : typeof value;
}

/** What a `pause` signal asks for, whatever its payload, and what was wrong with the payload. */
export interface CheckedPause {
  /** Bounded; the default when the payload named no usable reason. */
  reason: string;
  /** Why the payload was not used as sent, for the log; null when it was fine. */
  problem: string | null;
}

const PAUSE_SHAPE = 'expected no payload or {"reason": "<text>"}';

/**
 * Validates the arguments of a `pause` signal. An operator who sends `pause` wants the shard
 * paused, so a malformed payload never cancels the pause: only its reason is replaced by the
 * default, and the problem is returned for the log.
 */
export function checkPauseInput(args: readonly unknown[]): CheckedPause {
  const [payload, ...extra] = args;
  const checked = pauseReasonOf(payload);
  if (extra.length === 0) return checked;
  const ignored = `ignored ${extra.length} extra argument(s)`;
  return { reason: checked.reason, problem: checked.problem ? `${checked.problem}; ${ignored}` : ignored };
}

function withDefaultReason(problem: string): CheckedPause {
  return {
    reason: DEFAULT_PAUSE_REASON,
    problem: `${problem}, ${PAUSE_SHAPE}: paused with the default reason`,
  };
}

function pauseReasonOf(payload: unknown): CheckedPause {
  if (payload === undefined || payload === null) return { reason: DEFAULT_PAUSE_REASON, problem: null };
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    return withDefaultReason(`payload is ${describePayload(payload)}`);
  }
  const { reason } = payload as { reason?: unknown };
  if (reason === undefined || reason === null) return { reason: DEFAULT_PAUSE_REASON, problem: null };
  if (typeof reason !== 'string') return withDefaultReason(`"reason" is ${describePayload(reason)}`);
  const problem =
    reason.length > MAX_PAUSE_REASON_LENGTH
      ? `"reason" has ${reason.length} characters: cut to ${MAX_PAUSE_REASON_LENGTH}`
      : null;
  return { reason: boundReason(reason), problem };
}

/** Validates the arguments of a signal that takes none (`resume`, `stop`): they are ignored. */
export function checkNoPayload(args: readonly unknown[]): string | null {
  const given = args.filter((a) => a !== undefined && a !== null);
  return given.length === 0 ? null : `takes no payload; ignored ${given.map(describePayload).join(', ')}`;
}

/**
 * Validates the input of a `pause` Update and returns the reason to record. Unlike the signal
 * (which pauses whatever its payload), an Update rejects a malformed one: the caller hears why.
 */
export function checkPauseUpdate(...args: readonly unknown[]): string {
  const [payload, ...extra] = args;
  if (extra.length > 0) throw new Error('`pause` takes one input: {"reason": "<text>"} or nothing');
  if (payload === undefined || payload === null) return DEFAULT_PAUSE_REASON;
  if (typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error(
      `the pause input is ${describePayload(payload)}: expected {"reason": "<text>"} or nothing`,
    );
  }
  const unknown = Object.keys(payload).filter((k) => k !== 'reason');
  if (unknown.length > 0) {
    throw new Error(
      `unknown field(s) ${unknown.join(', ')} in the pause input: expected {"reason": "<text>"}`,
    );
  }
  const { reason } = payload as { reason?: unknown };
  if (reason === undefined || reason === null) return DEFAULT_PAUSE_REASON;
  if (typeof reason !== 'string') {
    throw new Error(
      `\`reason\` is ${describePayload(reason)}: expected text, e.g. {"reason": "deploying a fix"}`,
    );
  }
  if (reason.length > MAX_PAUSE_REASON_LENGTH) {
    throw new Error(`\`reason\` has ${reason.length} characters: at most ${MAX_PAUSE_REASON_LENGTH}`);
  }
  return boundReason(reason);
}
