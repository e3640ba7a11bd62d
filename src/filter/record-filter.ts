/**
 * Applies compiled filter criteria to Kinesis user records, as a Lambda event-source mapping does:
 * a record is kept when any filter matches the record as Lambda presents it (`data` decoded and
 * parsed as JSON, `partitionKey`, `sequenceNumber`, `approximateArrivalTimestamp` in seconds,
 * `kinesisSchemaVersion`), plus `subSequenceNumber` and `explicitHashKey` for KPL sub-records.
 * A record whose data is not UTF-8 JSON matches only the filters that do not name `data`.
 */
import type { KinesisRecord } from '../records';
import { type CompiledFilterCriteria, compileFilterCriteria } from './criteria';
import { matchPattern } from './match';
import { type ObjectPattern, namesTopLevel, parsePattern } from './pattern';

/** Says whether a record should reach the handler. */
export type RecordFilter = (record: KinesisRecord) => boolean;

/** The value `data` takes in the filter's view of a record whose data is not JSON. */
const NOT_JSON = Symbol('not JSON');

/** Builds the filter of validated criteria (re-validated here: activity input may come from anywhere). */
export function createRecordFilter(criteria: CompiledFilterCriteria): RecordFilter {
  const filters = compileFilterCriteria(criteria).filters.map(({ pattern }) => {
    const compiled: ObjectPattern = parsePattern(pattern);
    return { compiled, usesData: namesTopLevel(compiled, 'data') };
  });
  const decode = textDecoder();
  return (record) => {
    let data: unknown = undefined;
    let parsed = false;
    const view = (withData: boolean): Record<string, unknown> => {
      if (withData && !parsed) {
        data = parseData(decode, record.data);
        parsed = true;
      }
      return {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.partitionKey,
        sequenceNumber: record.sequenceNumber,
        approximateArrivalTimestamp: record.approximateArrivalTimestamp.getTime() / 1000,
        ...(record.subSequenceNumber === undefined ? {} : { subSequenceNumber: record.subSequenceNumber }),
        ...(record.explicitHashKey === undefined ? {} : { explicitHashKey: record.explicitHashKey }),
        ...(withData ? { data } : {}),
      };
    };
    return filters.some(({ compiled, usesData }) => {
      const document = view(usesData);
      // Lambda drops a record whose data is not JSON when the filter looks inside data.
      if (usesData && data === NOT_JSON) return false;
      return matchPattern(compiled, document);
    });
  };
}

/** Strict UTF-8 decoding: bytes that are not UTF-8 are not JSON either. */
function textDecoder(): (bytes: Uint8Array) => string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return (bytes) => decoder.decode(bytes);
}

function parseData(decode: (bytes: Uint8Array) => string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decode(bytes)) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** Splits records into those the criteria keep (in order) and the count filtered out; no criteria keeps all. */
export function applyFilter(
  filter: RecordFilter | null,
  records: readonly KinesisRecord[],
): { kept: KinesisRecord[]; filteredOut: number } {
  if (filter === null) return { kept: [...records], filteredOut: 0 };
  const kept = records.filter(filter);
  return { kept, filteredOut: records.length - kept.length };
}
