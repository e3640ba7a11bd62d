/**
 * Validators of what reaches the stream workflow by signal (DESIGN.md rule 10). Anyone can send a
 * signal by name (`temporal workflow signal --name shardProgress --input null`), so every payload
 * is checked here before the workflow acts on it: a malformed one comes back as a problem to log,
 * never as an exception inside a workflow task and never into state. Free text is capped, so no
 * report can grow the state or a status answer towards the payload limit. Pure functions.
 */
import { LIMITS } from '../config/stream-option-types';
import type { Checkpoint } from '../records';
import type { ReshardLedgerEntry, ShardEndedReport } from './stream-messages';
import type { SeekRecord } from './seek';
import type { PauseInput, ShardRunState, ShardStatus } from './shard-messages';

/** Longest error message kept from a shard report (characters); the rest is cut. */
export const MAX_ERROR_MESSAGE_CHARS = 2048;
/** Longest error type, pause reason, and identifier or timestamp accepted. */
export const MAX_ERROR_TYPE_CHARS = 256;
export const MAX_REASON_CHARS = 1024;
const MAX_ID_CHARS = 256;
/** A shard has at most two children (a split); a few more leaves room, not a flood. */
const MAX_CHILD_SHARDS = 16;

const RUN_STATES: readonly ShardRunState[] = [
  'waiting-for-parents',
  'running',
  'paused',
  'stopped',
  'finished',
];
const LEDGER_KINDS: readonly ReshardLedgerEntry['kind'][] = ['count', 'split', 'merge'];
const LEDGER_METHODS: readonly ReshardLedgerEntry['method'][] = [
  'UpdateShardCount',
  'SplitShard',
  'MergeShards',
];
const SEQUENCE_NUMBER = /^\d{1,128}$/;
const SEEK_TYPES = [
  'TRIM_HORIZON',
  'LATEST',
  'AT_TIMESTAMP',
  'AT_SEQUENCE_NUMBER',
  'AFTER_SEQUENCE_NUMBER',
] as const;

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

class Invalid extends Error {}

type Fields = Record<string, unknown>;

/** What the sender typed, short enough for a log line. */
function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? typeof value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function fields(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Invalid(`${what} must be an object, got ${shown(value)}`);
  }
  return value as Fields;
}

/** An identifier or timestamp: a string no longer than the limit, or rejected. */
function id(o: Fields, key: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_CHARS) {
    throw new Invalid(
      `\`${key}\` must be a non-empty string of at most ${MAX_ID_CHARS} characters, got ${shown(v)}`,
    );
  }
  return v;
}

function idOrNull(o: Fields, key: string): string | null {
  return o[key] === null ? null : id(o, key);
}

/** Free text: any string, cut to `max` characters. */
export function capText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function count(o: Fields, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw new Invalid(`\`${key}\` must be a whole number ≥ 0, got ${shown(v)}`);
  }
  return v;
}

function countOrNull(o: Fields, key: string): number | null {
  return o[key] === null ? null : count(o, key);
}

function oneOf<T extends string>(o: Fields, key: string, values: readonly T[]): T {
  const v = o[key];
  if (!values.includes(v as T))
    throw new Invalid(`\`${key}\` must be one of ${values.join(', ')}, got ${shown(v)}`);
  return v as T;
}

function checkpoint(value: unknown): Checkpoint | null {
  if (value === null) return null;
  const o = fields(value, '`checkpoint`');
  const sequenceNumber = o.sequenceNumber;
  if (typeof sequenceNumber !== 'string' || !SEQUENCE_NUMBER.test(sequenceNumber)) {
    throw new Invalid(`\`checkpoint.sequenceNumber\` must be decimal digits, got ${shown(sequenceNumber)}`);
  }
  if (o.subSequenceNumber === undefined) return { sequenceNumber };
  return { sequenceNumber, subSequenceNumber: count(o, 'subSequenceNumber') };
}

function lastError(value: unknown): ShardStatus['lastError'] {
  if (value === null) return null;
  const o = fields(value, '`lastError`');
  const { type, message } = o;
  if (typeof type !== 'string' || typeof message !== 'string') {
    throw new Invalid(`\`lastError\` must have a string \`type\` and \`message\`, got ${shown(value)}`);
  }
  return {
    type: capText(type, MAX_ERROR_TYPE_CHARS),
    message: capText(message, MAX_ERROR_MESSAGE_CHARS),
    at: id(o, 'at'),
  };
}

function reasonOrNull(o: Fields, key: string): string | null {
  const v = o[key];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string') throw new Invalid(`\`${key}\` must be a string, got ${shown(v)}`);
  return capText(v, MAX_REASON_CHARS);
}

function seekRecord(value: unknown): SeekRecord {
  const o = fields(value, '`lastSeek`');
  const to = fields(o.to, '`lastSeek.to`');
  const type = oneOf(to, 'type', SEEK_TYPES);
  const at = to.timestamp === undefined ? {} : { timestamp: id(to, 'timestamp') };
  const sequence = to.sequenceNumber === undefined ? {} : { sequenceNumber: id(to, 'sequenceNumber') };
  return {
    requestedBy: id(o, 'requestedBy'),
    at: id(o, 'at'),
    from: checkpoint(o.from),
    to: { type, ...at, ...sequence } as SeekRecord['to'],
  };
}

const MAX_QUARANTINED_KEYS = LIMITS.maxQuarantinedKeys;

function shardStatus(value: unknown): ShardStatus {
  const o = fields(value, 'the report');
  return {
    streamName: id(o, 'streamName'),
    shardId: id(o, 'shardId'),
    state: oneOf(o, 'state', RUN_STATES),
    checkpoint: checkpoint(o.checkpoint),
    attempt: count(o, 'attempt'),
    millisBehindLatest: countOrNull(o, 'millisBehindLatest'),
    lastArrival: idOrNull(o, 'lastArrival'),
    handled: count(o, 'handled'),
    deadLettered: count(o, 'deadLettered'),
    batches: count(o, 'batches'),
    bytes: count(o, 'bytes'),
    // Absent in reports from shards started before filtering existed.
    ...(o.filteredOut === undefined ? {} : { filteredOut: count(o, 'filteredOut') }),
    ...keyFields(o),
    lastError: lastError(o.lastError),
    pauseReason: reasonOrNull(o, 'pauseReason'),
    // Absent in reports from shards never sought (and from workers before live seek).
    ...(o.lastSeek === undefined || o.lastSeek === null ? {} : { lastSeek: seekRecord(o.lastSeek) }),
    run: count(o, 'run'),
    updatedAt: id(o, 'updatedAt'),
  };
}

/** Absent in reports from shards started before per-key quarantine and owed records. */
function keyFields(o: Fields): Pick<ShardStatus, 'quarantinedKeys' | 'owedRecords' | 'owedOverflow'> {
  const keys = o.quarantinedKeys;
  if (
    keys !== undefined &&
    (!Array.isArray(keys) ||
      keys.length > MAX_QUARANTINED_KEYS ||
      !keys.every((k) => typeof k === 'string' && k.length > 0 && k.length <= 64))
  ) {
    throw new Invalid(
      `\`quarantinedKeys\` must be a list of at most ${MAX_QUARANTINED_KEYS} key hashes, got ${shown(keys)}`,
    );
  }
  return {
    ...(keys === undefined ? {} : { quarantinedKeys: [...(keys as string[])] }),
    ...(o.owedRecords === undefined ? {} : { owedRecords: count(o, 'owedRecords') }),
    ...(o.owedOverflow === true ? { owedOverflow: true } : {}),
  };
}

function shardEnded(value: unknown): ShardEndedReport {
  const o = fields(value, 'the report');
  const children = o.childShardIds;
  if (children !== null && (!Array.isArray(children) || children.length > MAX_CHILD_SHARDS)) {
    throw new Invalid(
      `\`childShardIds\` must be null or a list of at most ${MAX_CHILD_SHARDS} shard IDs, got ${shown(children)}`,
    );
  }
  const report: ShardEndedReport = {
    shardId: id(o, 'shardId'),
    checkpoint: checkpoint(o.checkpoint),
    childShardIds:
      children === null ? null : children.map((c: unknown) => id({ childShardIds: c }, 'childShardIds')),
  };
  // `status` is absent in reports from workers older than the final counters.
  return o.status === undefined ? report : { ...report, status: shardStatus(o.status) };
}

function ledgerEntry(value: unknown): ReshardLedgerEntry {
  const o = fields(value, 'the entry');
  const at = id(o, 'at');
  if (Number.isNaN(Date.parse(at))) throw new Invalid(`\`at\` must be an ISO-8601 time, got ${shown(at)}`);
  return {
    at,
    from: count(o, 'from'),
    to: count(o, 'to'),
    kind: oneOf(o, 'kind', LEDGER_KINDS),
    method: oneOf(o, 'method', LEDGER_METHODS),
    workflowId: id(o, 'workflowId'),
  };
}

function pause(value: unknown): PauseInput {
  if (value === undefined || value === null) return {};
  const reason = reasonOrNull(fields(value, 'the pause input'), 'reason');
  return reason === null ? {} : { reason };
}

function parser<T>(read: (value: unknown) => T): (value: unknown) => Parsed<T> {
  return (value) => {
    try {
      return { ok: true, value: read(value) };
    } catch (err) {
      return { ok: false, problem: err instanceof Invalid ? err.message : String(err) };
    }
  };
}

/** A `shardProgress` report (also a shard status found by the shard starter). */
export const parseShardStatus = parser(shardStatus);
/** A `shardEnded` report. */
export const parseShardEnded = parser(shardEnded);
/** A `reshardCompleted` ledger entry. */
export const parseLedgerEntry = parser(ledgerEntry);
/** The optional `pause` input: nothing, null, or `{ "reason": "<text>" }`. */
export const parsePause = parser(pause);
