/**
 * The `filterCriteria` option through the options compiler: Lambda's own FilterCriteria JSON is
 * accepted as it is, and every bad filter is refused at start with the field and the reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileStreamOptions, type StreamProcessorOptions } from '../../src/config/stream-options';
import { ConfigError } from '../../src/errors';
import { FILTER_LIMITS } from '../../src/filter/criteria';
import { createRecordFilter } from '../../src/filter/record-filter';
import { makeRecord } from '../helpers/records';

const base: StreamProcessorOptions = { streamName: 'orders', retry: { maximumAttempts: 0 } };
const withCriteria = (filterCriteria: unknown): StreamProcessorOptions =>
  ({ ...base, filterCriteria }) as StreamProcessorOptions;

function refusal(filterCriteria: unknown): ConfigError {
  try {
    compileStreamOptions(withCriteria(filterCriteria));
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('the options were accepted');
}

describe('filterCriteria in compileStreamOptions', () => {
  it('is absent from the compiled options unless it holds a filter ({} removes filtering, as in Lambda)', () => {
    expect(compileStreamOptions(base)).not.toHaveProperty('filterCriteria');
    for (const none of [null, {}, { filters: [] }, { Filters: [] }]) {
      expect(compileStreamOptions(withCriteria(none))).not.toHaveProperty('filterCriteria');
    }
  });

  it('accepts a Lambda user FilterCriteria as written, patterns kept verbatim', () => {
    // Prepare: the CDK / SDK spelling, and the API / CloudFormation spelling
    const pattern =
      '{ "data": { "Temperature": [ { "numeric": [ ">", 50, "<=", 60 ] } ], "Price": [300.0] } }';
    // Act
    const lower = compileStreamOptions(withCriteria({ filters: [{ pattern }] }));
    const upper = compileStreamOptions(withCriteria({ Filters: [{ Pattern: pattern }] }));
    // Assess
    expect(lower.filterCriteria).toEqual({ filters: [{ pattern }] });
    expect(upper.filterCriteria).toEqual({ filters: [{ pattern }] });
    expect(JSON.parse(JSON.stringify(lower))).toEqual(lower);
  });

  it(`takes up to ${FILTER_LIMITS.maxFilters} filters of ${FILTER_LIMITS.maxPatternLength} characters`, () => {
    // Prepare
    const wrap = (x: string) => `{"data": {"k": ["${x}"]}}`;
    const long = wrap('x'.repeat(FILTER_LIMITS.maxPatternLength - wrap('').length));
    const filters = Array.from({ length: FILTER_LIMITS.maxFilters }, () => ({ pattern: long }));
    // Act
    const compiled = compileStreamOptions(withCriteria({ filters }));
    // Assess
    expect(long.length).toBe(FILTER_LIMITS.maxPatternLength);
    expect(compiled.filterCriteria?.filters).toHaveLength(FILTER_LIMITS.maxFilters);
  });

  it.each([
    ['not an object', 'filters', 'filterCriteria', 'is not filter criteria'],
    ['filters that are not a list', { filters: 'x' }, 'filterCriteria.filters', 'is not a list of filters'],
    [
      'too many filters',
      { filters: Array.from({ length: 11 }, () => ({ pattern: '{"data": {"a": ["x"]}}' })) },
      'filterCriteria.filters',
      'has 11 filters, more than 10',
    ],
    [
      'a pattern given as an object',
      { filters: [{ pattern: '{"partitionKey": ["1"]}' }, { pattern: { data: { a: ['x'] } } }] },
      'filterCriteria.filters[1].pattern',
      'give the pattern as a JSON string',
    ],
    [
      'a pattern too long',
      { filters: [{ pattern: `{"data": {"a": ["${'x'.repeat(4096)}"]}}` }] },
      'filterCriteria.filters[0].pattern',
      'more than 4096',
    ],
    [
      'a pattern that is not JSON',
      { filters: [{ pattern: '{"data": {"a": ["x"]}}' }, { pattern: "{ data: { a: ['x'] } }" }] },
      'filterCriteria.filters[1].pattern',
      'is not JSON',
    ],
    [
      'an unknown operator',
      { filters: [{ pattern: '{"data": {"a": [{"startsWith": "x"}]}}' }] },
      'filterCriteria.filters[0].pattern',
      'at data.a[0]: unknown operator "startsWith"',
    ],
    [
      'a data field at the top level',
      { filters: [{ pattern: '{"Location": ["Los Angeles"]}' }] },
      'filterCriteria.filters[0].pattern',
      '"Location" is not a field of a Kinesis record',
    ],
    [
      'a data field at the top level of an $or branch',
      { filters: [{ pattern: '{"$or": [{"partitionKey": ["1"]}, {"eventSource": ["aws:kinesis"]}]}' }] },
      'filterCriteria.filters[0].pattern',
      '"eventSource" is not a field of a Kinesis record',
    ],
  ])('refuses %s, naming the field', (_name, criteria, field, reason) => {
    // Act
    const error = refusal(criteria);
    // Assess
    expect(error.field).toBe(field);
    expect(error.message).toContain(reason);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });
});

describe("the README's Filtering records section", () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Filtering records'), readme.indexOf('## Configuration'));

  it('its example compiles, and keeps exactly the records it says it keeps', () => {
    // Prepare
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    const options = JSON.parse(json ?? 'null') as StreamProcessorOptions;
    // Act
    const compiled = compileStreamOptions(options);
    const keep = createRecordFilter(compiled.filterCriteria ?? { filters: [] });
    // Assess
    const order = (total: number) => JSON.stringify({ type: 'order', total });
    expect(keep(makeRecord({ data: order(150) }))).toBe(true);
    expect(keep(makeRecord({ data: order(50) }))).toBe(false);
    expect(keep(makeRecord({ data: 'not json', partitionKey: 'vip-7' }))).toBe(true);
    expect(keep(makeRecord({ data: 'not json', partitionKey: 'std-7' }))).toBe(false);
  });

  it('its refusal example is the message a bad pattern gets', () => {
    // Prepare
    const quoted = /`(filterCriteria\.filters\[1\]\.pattern: [^`]*)…`/.exec(section)?.[1];
    const bad = {
      filters: [
        { pattern: '{"partitionKey": ["1"]}' },
        { pattern: '{"data": {"total": [{"greaterThan": 100}]}}' },
      ],
    };
    // Assess
    expect(quoted).toBeDefined();
    expect(refusal(bad).message.startsWith(quoted ?? '?')).toBe(true);
  });
});
