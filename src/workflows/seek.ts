/**
 * Live seek: where an operator moves a running (or paused) shard, how the request is validated
 * (the `seek` Update validators and the stream's `seek` signal to its shards run the same check),
 * the retention check, and the record a shard keeps of its last seek. Pure module: no Temporal
 * import, unit-tested without a server.
 *
 * A seek is the one sanctioned backwards move of a checkpoint (DESIGN.md rule 3 otherwise): it
 * drops the checkpoint and makes the seek position the shard's start position, so the batch
 * activity derives its next iterator from that position exactly as for a first start.
 */
import type { ShardStartPosition } from '../config/stream-option-types';
import { ErrorType } from '../errors';
import type { Checkpoint } from '../records';

/** Where a seek moves a shard: a start position of one shard. */
export type SeekPosition = ShardStartPosition;

/** The `seek` Update (and signal) of a shard workflow. */
export interface ShardSeekInput {
  position: SeekPosition;
  /** Who asked, shown in the shard's status; default: the caller's workflow update ID. */
  requestedBy?: string;
}

/** The `seek` Update of the stream workflow: every shard, or the one `shardId` names. */
export interface StreamSeekInput extends ShardSeekInput {
  /** One shard only; required for a sequence-number position (a sequence number is per shard). */
  shardId?: string;
}

/** The last seek of a shard, as its status shows it. */
export interface SeekRecord {
  requestedBy: string;
  /** When the seek took effect (ISO time). */
  at: string;
  /** The checkpoint it replaced (null: the shard had none yet). */
  from: Checkpoint | null;
  /** Where the shard was moved, as requested (LATEST is pinned to a time in the start position). */
  to: SeekPosition;
}

/** The failure type of a seek refused for the stream's retention. */
export const SEEK_BEFORE_RETENTION = ErrorType.SeekBeforeRetention;

const SEQUENCE_NUMBER = /^\d{1,128}$/;
const MAX_TEXT = 256;
const TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];
export const SEEK_SHAPE =
  '{"position": {"type": "AT_TIMESTAMP", "timestamp": "2026-12-01T08:00:00Z"}} (or type TRIM_HORIZON, LATEST, or AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER with "sequenceNumber")';

/** A rejected seek request: the message names the field and the fix. */
export class SeekRequestError extends Error {
  override readonly name = 'SeekRequestError';
}

function shown(value: unknown): string {
  const text = value === undefined ? 'missing' : (JSON.stringify(value) ?? typeof value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(o: Record<string, unknown>, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_TEXT) {
    throw new SeekRequestError(
      `\`${key}\` is ${shown(v)}: expected ${what} (a non-empty string of at most ${MAX_TEXT} characters), or leave it out`,
    );
  }
  return v;
}

/** Validates a position; `nowMs` is the workflow's clock (a seek into the future is refused). */
export function checkSeekPosition(value: unknown, nowMs: number): SeekPosition {
  if (!isObject(value)) {
    throw new SeekRequestError(`\`position\` is ${shown(value)}: expected e.g. ${SEEK_SHAPE}`);
  }
  switch (value.type) {
    case 'TRIM_HORIZON':
    case 'LATEST':
      return { type: value.type };
    case 'AT_TIMESTAMP': {
      const raw = value.timestamp;
      const t = typeof raw === 'string' || typeof raw === 'number' ? new Date(raw) : null;
      if (t === null || Number.isNaN(t.getTime())) {
        throw new SeekRequestError(
          `\`position.timestamp\` is ${shown(raw)}: expected an ISO-8601 time, e.g. "2026-12-01T08:00:00Z"`,
        );
      }
      if (t.getTime() > nowMs) {
        throw new SeekRequestError(
          `\`position.timestamp\` ${t.toISOString()} is in the future: to skip to the newest records, seek to {"type": "LATEST"}`,
        );
      }
      return { type: 'AT_TIMESTAMP', timestamp: t.toISOString() };
    }
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER': {
      const seq = value.sequenceNumber;
      if (typeof seq !== 'string' || !SEQUENCE_NUMBER.test(seq)) {
        throw new SeekRequestError(
          `\`position.sequenceNumber\` is ${shown(seq)}: expected a Kinesis sequence number (decimal digits, as a string)`,
        );
      }
      return { type: value.type, sequenceNumber: seq };
    }
    default:
      throw new SeekRequestError(
        `\`position.type\` is ${shown(value.type)}: expected one of ${TYPES.join(', ')}`,
      );
  }
}

/** Validates the input of a shard's `seek` Update or signal. Throws SeekRequestError. */
export function checkShardSeekInput(raw: unknown, nowMs: number): ShardSeekInput {
  if (!isObject(raw)) throw new SeekRequestError(`the seek input is ${shown(raw)}: expected ${SEEK_SHAPE}`);
  const unknown = Object.keys(raw).filter((k) => !['position', 'requestedBy', 'shardId'].includes(k));
  if (unknown.length > 0) {
    throw new SeekRequestError(
      `unknown field(s) ${unknown.map((k) => `\`${k}\``).join(', ')} in the seek input: expected ${SEEK_SHAPE}`,
    );
  }
  const position = checkSeekPosition(raw.position, nowMs);
  const requestedBy = text(raw, 'requestedBy', 'who asks');
  return requestedBy === undefined ? { position } : { position, requestedBy };
}

/** Validates the input of the stream's `seek` Update. Throws SeekRequestError. */
export function checkStreamSeekInput(raw: unknown, nowMs: number): StreamSeekInput {
  const checked = checkShardSeekInput(raw, nowMs);
  const shardId = text(
    raw as Record<string, unknown>,
    'shardId',
    'a shard ID such as "shardId-000000000000"',
  );
  const perShard =
    checked.position.type === 'AT_SEQUENCE_NUMBER' || checked.position.type === 'AFTER_SEQUENCE_NUMBER';
  if (perShard && shardId === undefined) {
    throw new SeekRequestError(
      `\`shardId\` is missing: a sequence number belongs to one shard, so a seek to ${checked.position.type} needs "shardId" (\`ksp seek <stream> --shard <id> …\`)`,
    );
  }
  return shardId === undefined ? checked : { ...checked, shardId };
}

/**
 * Why a seek to `position` is refused for a stream that keeps records `retentionHours`; null when
 * it is not. A time before the retention window would silently start at the oldest record left.
 */
export function retentionProblem(
  position: SeekPosition,
  retentionHours: number,
  nowMs: number,
): string | null {
  if (position.type !== 'AT_TIMESTAMP') return null;
  const oldest = nowMs - retentionHours * 3_600_000;
  if (Date.parse(position.timestamp) >= oldest) return null;
  return (
    `\`position.timestamp\` ${position.timestamp} is before the stream's retention: it keeps records for ` +
    `${retentionHours} h, so nothing older than ${new Date(oldest).toISOString()} is left. Seek to a later ` +
    'time, or to {"type": "TRIM_HORIZON"} to read from the oldest record kept'
  );
}

/** Who a seek is recorded as: `requestedBy`, else the Update that asked. */
export function seekRequester(input: ShardSeekInput, updateId: string | undefined, via: string): string {
  return input.requestedBy ?? (updateId === undefined ? via : `${via} ${updateId}`);
}
