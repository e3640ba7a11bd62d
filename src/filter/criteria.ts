/**
 * The `filterCriteria` option: Lambda's own `FilterCriteria` shape (`{ filters: [{ pattern }] }`,
 * each pattern a JSON string), validated once at start. The compiled form is plain JSON (it travels
 * in workflow input and in every batch activity's input): the same patterns, checked;
 * the activity builds its matcher from them (record-filter.ts).
 * Pure module: the options compiler runs it in workflow code.
 */
import { ConfigError } from '../errors';
import { type ObjectPattern, PatternError, parsePattern, topLevelNames } from './pattern';

/** One filter: a pattern as Lambda takes it, a JSON string. */
export interface Filter {
  pattern: string;
}

/** Lambda's `FilterCriteria`: a record is handled when any filter matches it. */
export interface FilterCriteria {
  filters: Filter[];
}

/** Validated criteria: every pattern parses and is within the limits. */
export interface CompiledFilterCriteria {
  filters: Filter[];
}

export const FILTER_LIMITS = {
  /** Lambda allows 5 filters per event source mapping by default and 10 with a quota increase. */
  maxFilters: 10,
  /** Lambda's `Filter.Pattern` length constraint. */
  maxPatternLength: 4096,
} as const;

/**
 * The fields of a Kinesis record a pattern can name at its top level: those of `kinesis` in the
 * Lambda event (data decoded from base64 and parsed as JSON), and the KPL fields of a sub-record.
 */
export const RECORD_FIELDS = [
  'data',
  'partitionKey',
  'sequenceNumber',
  'approximateArrivalTimestamp',
  'kinesisSchemaVersion',
  'subSequenceNumber',
  'explicitHashKey',
] as const;

/**
 * Validates `value` as FilterCriteria; throws ConfigError naming the field (e.g.
 * `filterCriteria.filters[1].pattern`). Returns null for criteria without filters (`{}` or
 * `{"filters": []}`), which Lambda reads as "no filtering".
 */
export function compileFilterCriteria(
  value: unknown,
  field = 'filterCriteria',
): CompiledFilterCriteria | null {
  const example = '{"filters": [{"pattern": "{\\"data\\": {\\"type\\": [\\"order\\"]}}"}]}';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not filter criteria: use e.g. ${example}`);
  }
  // Lambda's API and CloudFormation spell it `Filters` / `Pattern`; the SDKs and the CDK `filters` / `pattern`.
  const { filters = (value as { Filters?: unknown }).Filters } = value as { filters?: unknown };
  if (filters === undefined || (Array.isArray(filters) && filters.length === 0)) return null;
  if (!Array.isArray(filters)) {
    throw new ConfigError(
      `${field}.filters`,
      `${JSON.stringify(filters)} is not a list of filters: use e.g. ${example}`,
    );
  }
  if (filters.length > FILTER_LIMITS.maxFilters) {
    throw new ConfigError(
      `${field}.filters`,
      `has ${filters.length} filters, more than ${FILTER_LIMITS.maxFilters} (Lambda's ceiling): merge some with "$or" or list several values in one rule`,
    );
  }
  return {
    filters: filters.map((f: unknown, i) => ({ pattern: compileFilter(f, `${field}.filters[${i}]`) })),
  };
}

function compileFilter(filter: unknown, field: string): string {
  const given =
    typeof filter === 'object' && filter !== null
      ? ((filter as { pattern?: unknown; Pattern?: unknown }).pattern ??
        (filter as { Pattern?: unknown }).Pattern)
      : undefined;
  if (typeof given !== 'string') {
    throw new ConfigError(
      `${field}.pattern`,
      `${JSON.stringify(given)} is not a pattern: give the pattern as a JSON string, as in Lambda, e.g. "{\\"data\\": {\\"type\\": [\\"order\\"]}}"`,
    );
  }
  if (given.length > FILTER_LIMITS.maxPatternLength) {
    throw new ConfigError(
      `${field}.pattern`,
      `is ${given.length} characters, more than ${FILTER_LIMITS.maxPatternLength} (Lambda's limit): split it into several filters`,
    );
  }
  let pattern: ObjectPattern;
  try {
    pattern = parsePattern(given);
  } catch (err) {
    if (err instanceof PatternError) throw new ConfigError(`${field}.pattern`, err.message);
    throw err;
  }
  const unknown = topLevelNames(pattern).find((name) => !(RECORD_FIELDS as readonly string[]).includes(name));
  if (unknown !== undefined) {
    throw new ConfigError(
      `${field}.pattern`,
      `${JSON.stringify(unknown)} is not a field of a Kinesis record (${RECORD_FIELDS.join(', ')}): fields of the record's JSON body go under "data", e.g. {"data": {${JSON.stringify(unknown)}: […]}}`,
    );
  }
  // Kept as written: minifying through JSON.parse would respell numbers, which equality compares as text.
  return given;
}
