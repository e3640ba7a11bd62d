/**
 * Reads a DLQ message back. Never throws: a replay meets garbage, other producers' messages and
 * envelopes from newer builds, and must say which without stopping.
 */
import { Buffer } from 'node:buffer';
import { idempotencyKey, type KinesisRecord } from '../records';
import { DLQ_CONDITIONS, DLQ_ENVELOPE_KIND, DLQ_ENVELOPE_VERSION, type DlqEnvelope } from './format';

/**
 * Why a body is not a readable envelope: not JSON at all, JSON that is not ours (a foreign
 * message), our envelope in a version this build does not read, or our envelope with a missing or
 * invalid field.
 */
export type DlqParseProblem = 'not-json' | 'foreign' | 'unknown-version' | 'invalid';

/**
 * The outcome of {@link parseDlqMessage}; `reason` names the offending field when there is one.
 * `data` holds each included record's data, decoded while it was checked (for {@link decodeDlqRecords}).
 */
export type ParseDlqResult =
  | { ok: true; envelope: DlqEnvelope; data: readonly Uint8Array[] }
  | { ok: false; problem: DlqParseProblem; reason: string };

type Check = [test: (value: unknown) => boolean, expected: string];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const wholeFrom = (min: number): Check => [
  (v) => Number.isInteger(v) && (v as number) >= min,
  `a whole number ≥ ${min}`,
];
const text: Check = [(v) => typeof v === 'string', 'a string'];
const nonEmpty: Check = [(v) => typeof v === 'string' && v !== '', 'a non-empty string'];
/**
 * The form `Date.prototype.toISOString` writes (what the DLQ writer writes), each part in range:
 * always a time `Date.parse` reads, checked without it; any other form falls back to `Date.parse`.
 */
const CANONICAL_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;
const time: Check = [
  (v) => typeof v === 'string' && (CANONICAL_TIME.test(v) || !Number.isNaN(Date.parse(v))),
  'an ISO-8601 time',
];
const sequence: Check = [
  (v) => typeof v === 'string' && /^\d{1,128}$/.test(v),
  'a sequence number (decimal digits)',
];
/**
 * Padded base64: whole groups of four, `=` only as the last one or two characters of the last
 * group. (A length check and one character class: the grouped pattern took ~1.6 µs a record.)
 */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const base64: Check = [(v) => typeof v === 'string' && v.length % 4 === 0 && BASE64_CHARS.test(v), 'base64'];
const optional = ([test, expected]: Check): Check => [
  (v) => v === undefined || test(v),
  `${expected} or absent`,
];

/** A field to check: its dotted path (for messages), the path's keys (split once), its check. */
type Field = [path: string, keys: readonly string[], check: Check];
const fields = (list: Array<[string, Check]>): Field[] =>
  list.map(([path, check]) => [path, path.split('.'), check]);

const ENVELOPE_FIELDS: Field[] = fields([
  ['timestamp', time],
  [
    'requestContext.condition',
    [(v) => (DLQ_CONDITIONS as readonly unknown[]).includes(v), `one of ${DLQ_CONDITIONS.join(', ')}`],
  ],
  ['requestContext.approximateInvokeCount', wholeFrom(0)],
  ['KinesisBatchInfo.shardId', nonEmpty],
  ['KinesisBatchInfo.startSequenceNumber', sequence],
  ['KinesisBatchInfo.endSequenceNumber', sequence],
  ['KinesisBatchInfo.startSubSequenceNumber', optional(wholeFrom(0))],
  ['KinesisBatchInfo.endSubSequenceNumber', optional(wholeFrom(0))],
  ['KinesisBatchInfo.approximateArrivalOfFirstRecord', time],
  ['KinesisBatchInfo.approximateArrivalOfLastRecord', time],
  ['KinesisBatchInfo.batchSize', wholeFrom(1)],
  ['KinesisBatchInfo.streamArn', text],
  ['streamName', nonEmpty],
  ['error.type', text],
  ['error.message', text],
  ['error.stack', text],
  ['attempts', wholeFrom(0)],
  ['handler', text],
  ['recordsIncluded', [(v) => typeof v === 'boolean', 'true or false']],
  ['records', [(v) => v === null || Array.isArray(v), 'an array or null']],
  ['part.index', wholeFrom(0)],
  ['part.count', wholeFrom(1)],
]);

/** A record's fields, one key deep; {@link recordPasses} runs their checks without the path walk. */
const RECORD_FIELDS: Field[] = fields([
  ['data', base64],
  ['partitionKey', text],
  ['sequenceNumber', sequence],
  ['subSequenceNumber', optional(wholeFrom(0))],
  ['explicitHashKey', optional(text)],
  ['approximateArrivalTimestamp', time],
]);

function valueAt(root: unknown, keys: readonly string[]): unknown {
  let value = root;
  for (const key of keys) value = isObject(value) ? value[key] : undefined;
  return value;
}

/** The first field that fails its check, described; `prefix()` is built only then. */
function firstProblem(
  root: unknown,
  fields: readonly Field[],
  prefix = (): string => '',
): string | undefined {
  for (const [path, keys, [test, expected]] of fields) {
    const value = valueAt(root, keys);
    if (test(value)) continue;
    return value === undefined
      ? `missing field "${prefix()}${path}"`
      : `invalid field "${prefix()}${path}": expected ${expected}, got ${String(JSON.stringify(value)).slice(0, 80)}`;
  }
  return undefined;
}

/** Checks the records and their relation to the batch info; fills `data` with each record's bytes. */
function crossCheck(env: DlqEnvelope, data: Uint8Array[]): string | undefined {
  if (env.part.index >= env.part.count) {
    return `invalid field "part.index": ${env.part.index} is not below part.count ${env.part.count}`;
  }
  if (env.recordsIncluded !== (env.records !== null)) {
    return `invalid field "records": must be an array exactly when recordsIncluded is true (it is ${env.recordsIncluded})`;
  }
  if (env.records !== null && env.records.length !== env.KinesisBatchInfo.batchSize) {
    return `invalid field "records": holds ${env.records.length} records but KinesisBatchInfo.batchSize is ${env.KinesisBatchInfo.batchSize}`;
  }
  const records = env.records ?? [];
  let lastTime: unknown; // records of a batch mostly share their arrival time: checked once
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i];
    if (!isObject(record)) return `invalid field "records[${i}]": expected an object`;
    if (recordPasses(record, lastTime, data)) {
      lastTime = record[ARRIVAL];
      continue;
    }
    // Only a record that fails is walked field by field, for the message naming the field.
    const problem = firstProblem(record, RECORD_FIELDS, () => `records[${i}].`);
    if (problem) return problem;
    data.push(fromBase64(record[DATA] as string)); // (not reached while both checks agree)
  }
  return undefined;
}

/** RECORD_FIELDS as (key, test): the keys read directly, without the walk over paths. */
const RECORD_CHECKS = RECORD_FIELDS.map(([, keys, [test]]) => [keys.join('.'), test] as const);
const ARRIVAL = 'approximateArrivalTimestamp';
const DATA = 'data';

/**
 * Decodes a record's data if {@link base64} accepts it, else undefined, without the pattern: Node's
 * decoder skips what is not in its alphabet and stops at `=`, so a string of whole groups decodes
 * to exactly 3 bytes a group less its trailing `=` only when every other character is base64 (or
 * base64url's `-` and `_`, which the decoder also reads and are refused here). Decoding is work the
 * replay does anyway; the pattern over ~270 characters a record cost ~4.6 µs a 10-record message.
 * test/unit/dlq-envelope.test.ts holds both to the same verdicts.
 */
export function decodedBase64(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || value.length % 4 !== 0) return undefined;
  if (value.includes('-') || value.includes('_')) return undefined;
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  const bytes = fromBase64(value);
  return bytes.byteLength === (value.length / 4) * 3 - padding ? bytes : undefined;
}

/**
 * Whether a record passes every check of RECORD_FIELDS (the generic walk over paths cost about as
 * much as the checks themselves, ten times a message). `checkedTime` is an arrival time already
 * found valid, not checked again. The data is checked by decoding it, into `data`.
 */
function recordPasses(r: Record<string, unknown>, checkedTime: unknown, data: Uint8Array[]): boolean {
  let bytes: Uint8Array | undefined;
  for (const [key, test] of RECORD_CHECKS) {
    const value = r[key];
    if (key === ARRIVAL && value === checkedTime && value !== undefined) continue;
    if (key === DATA) {
      bytes = decodedBase64(value);
      if (bytes === undefined) return false;
    } else if (!test(value)) return false;
  }
  if (bytes === undefined) return false; // no data field in RECORD_FIELDS: never
  data.push(bytes);
  return true;
}

/**
 * Parses and validates a DLQ message body. Tells apart: not JSON, JSON that is not our envelope
 * (a foreign message), an envelope of another version, and a missing or invalid field (named).
 */
export function parseDlqMessage(body: string): ParseDlqResult {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    return {
      ok: false,
      problem: 'not-json',
      reason: `not JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  if (!isObject(value) || value.kind !== DLQ_ENVELOPE_KIND) {
    return {
      ok: false,
      problem: 'foreign',
      reason: `not a ksp DLQ envelope (no "kind": "${DLQ_ENVELOPE_KIND}"): a foreign message`,
    };
  }
  if (value.version !== DLQ_ENVELOPE_VERSION) {
    return {
      ok: false,
      problem: 'unknown-version',
      reason: `unknown envelope version ${JSON.stringify(value.version)}: this build reads version ${DLQ_ENVELOPE_VERSION}; replay it with a matching ksp`,
    };
  }
  const data: Uint8Array[] = [];
  const problem = firstProblem(value, ENVELOPE_FIELDS) ?? crossCheck(value as unknown as DlqEnvelope, data);
  return problem
    ? { ok: false, problem: 'invalid', reason: problem }
    : { ok: true, envelope: value as unknown as DlqEnvelope, data };
}

/**
 * Decodes base64 as the AWS SDK decodes GetRecords' `Data`: a plain Uint8Array over the decoded
 * Buffer, so a replayed record's data is what the same record read from the stream would be
 * (copying it into an ArrayBuffer of its own cost ~0.3 µs a record, more than decoding).
 */
function fromBase64(data: string): Uint8Array {
  const bytes = Buffer.from(data, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The envelope's records as handlers see them (data as bytes); empty when the records were not included. */
export function decodeDlqRecords(envelope: DlqEnvelope): KinesisRecord[] {
  return recordsOf(envelope);
}

/** {@link decodeDlqRecords} of a parsed message, with the data its parse decoded already. */
export function decodeParsedRecords(parsed: Extract<ParseDlqResult, { ok: true }>): KinesisRecord[] {
  return recordsOf(parsed.envelope, parsed.data);
}

function recordsOf(envelope: DlqEnvelope, data?: readonly Uint8Array[]): KinesisRecord[] {
  const { shardId } = envelope.KinesisBatchInfo;
  // Records of a batch mostly share their arrival time: each distinct time is parsed once
  // (parsing an ISO string costs ~0.45 µs; each record still gets a Date of its own).
  let lastText: string | undefined;
  let lastMs = 0;
  const records = envelope.records ?? [];
  const bytes = data?.length === records.length ? data : undefined;
  return records.map((r, i) => {
    if (r.approximateArrivalTimestamp !== lastText) {
      lastText = r.approximateArrivalTimestamp;
      lastMs = Date.parse(lastText);
    }
    // The bytes the parse decoded while it checked them, else decoded now.
    const data = bytes ? (bytes[i] as Uint8Array) : fromBase64(r.data);
    if (r.subSequenceNumber === undefined && r.explicitHashKey === undefined) {
      // The common record, as one literal (same fields, same order): spreading an empty object
      // per optional field cost more than the rest of the record.
      return {
        data,
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        approximateArrivalTimestamp: new Date(lastMs),
        shardId,
        streamName: envelope.streamName,
        idempotencyKey: idempotencyKey(shardId, r.sequenceNumber),
      };
    }
    return {
      data,
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      ...(r.subSequenceNumber === undefined ? {} : { subSequenceNumber: r.subSequenceNumber }),
      ...(r.explicitHashKey === undefined ? {} : { explicitHashKey: r.explicitHashKey }),
      approximateArrivalTimestamp: new Date(lastMs),
      shardId,
      streamName: envelope.streamName,
      idempotencyKey: idempotencyKey(shardId, r.sequenceNumber, r.subSequenceNumber),
    };
  });
}
