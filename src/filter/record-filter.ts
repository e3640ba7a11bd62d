/**
 * Applies compiled filter criteria to Kinesis user records, as a Lambda event-source mapping does:
 * a record is kept when any filter matches the record as Lambda presents it (`data` decoded and
 * parsed as JSON, `partitionKey`, `sequenceNumber`, `approximateArrivalTimestamp` in seconds,
 * `kinesisSchemaVersion`), plus `subSequenceNumber` and `explicitHashKey` for KPL sub-records.
 * A record whose data is not UTF-8 JSON matches only the filters that do not name `data`.
 */
import type { KinesisRecord } from '../records';
import { type CompiledFilterCriteria, compileFilterCriteria } from './criteria';
import { type JsonObject, JsonNumber, type JsonValue, parseJson } from './json';
import { matchPattern } from './match';
import { type ObjectPattern, namesTopLevel, parsePattern } from './pattern';

/** Says whether a record should reach the handler. */
export type RecordFilter = (record: KinesisRecord) => boolean;

/**
 * Builds the filter of validated criteria (re-validated here: activity input may come from
 * anywhere). Criteria without filters keep every record.
 */
export function createRecordFilter(criteria: CompiledFilterCriteria): RecordFilter {
  const filters = (compileFilterCriteria(criteria)?.filters ?? []).map(({ pattern }) => {
    const compiled: ObjectPattern = parsePattern(pattern);
    return { compiled, usesData: namesTopLevel(compiled, 'data') };
  });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  if (filters.length === 0) return () => true;
  return (record) => {
    // The views are built at most once per record, `data` parsed only when a filter looks inside it.
    let bare: JsonObject | undefined;
    let withData: JsonObject | null | undefined;
    return filters.some(({ compiled, usesData }) => {
      if (!usesData) return matchPattern(compiled, (bare ??= recordView(record)));
      if (withData === undefined) {
        const data = parseData(decoder, record.data);
        withData = data === undefined ? null : recordView(record).set('data', data);
      }
      // Lambda drops a record whose data is not JSON when the filter looks inside data.
      return withData !== null && matchPattern(compiled, withData);
    });
  };
}

/** The record as Lambda presents it to a filter (`kinesis` of the event), without `data`. */
function recordView(record: KinesisRecord): JsonObject {
  const view: JsonObject = new Map<string, JsonValue>([
    ['kinesisSchemaVersion', '1.0'],
    ['partitionKey', record.partitionKey],
    ['sequenceNumber', record.sequenceNumber],
    ['approximateArrivalTimestamp', number(record.approximateArrivalTimestamp.getTime() / 1000)],
  ]);
  if (record.subSequenceNumber !== undefined) view.set('subSequenceNumber', number(record.subSequenceNumber));
  if (record.explicitHashKey !== undefined) view.set('explicitHashKey', record.explicitHashKey);
  return view;
}

const number = (value: number): JsonNumber => new JsonNumber(value, String(value));

/** The record's data as JSON; undefined when it is not UTF-8 JSON. */
function parseData(decoder: { decode(bytes: Uint8Array): string }, bytes: Uint8Array): JsonValue | undefined {
  try {
    return parseJson(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}

/** Splits records into those the filter keeps (in order) and the count it filtered out. */
export function applyFilter(
  filter: RecordFilter,
  records: readonly KinesisRecord[],
): { kept: KinesisRecord[]; filteredOut: number } {
  const kept = records.filter(filter);
  return { kept, filteredOut: records.length - kept.length };
}
