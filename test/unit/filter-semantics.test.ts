/**
 * Filter semantics, table-tested against the examples of Lambda's event-filtering documentation
 * ("Control which events Lambda sends to your function", its comparison-operator table, and "Using
 * event filtering with a Kinesis event source"): each row is a pattern, a record, and whether
 * Lambda hands that record to the function. Generic examples sit under `data`, where a Kinesis
 * user writes them.
 */
import { createRecordFilter } from '../../src/filter/record-filter';
import { makeRecord, type RecordOverrides } from '../helpers/records';

/** Whether a record (data given as a JSON value, or raw text/bytes) passes one pattern. */
function passes(pattern: unknown, data: unknown, over: RecordOverrides = {}): boolean {
  const filter = createRecordFilter({ filters: [{ pattern: JSON.stringify(pattern) }] });
  const bytes = typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data);
  return filter(makeRecord({ ...over, data: bytes }));
}

/** Lambda's Kinesis example record body (the base64 `data` of the documentation's event, decoded). */
const KINESIS_DOC_BODY = { RecordNumber: '0001', TimeStamp: 'yyyy-mm-ddThh:mm:ss', RequestCode: 'AAAA' };

describe("Lambda's comparison-operator table", () => {
  const row = (pattern: object, data: unknown): [string, unknown, unknown] => [
    JSON.stringify({ pattern, data }),
    { data: pattern },
    data,
  ];
  it.each([
    // Null: "UserID": [ null ]
    row({ UserID: [null] }, { UserID: null }),
    // Empty: "LastName": [""]
    row({ LastName: [''] }, { LastName: '' }),
    // Equals
    row({ Name: ['Alice'] }, { Name: 'Alice' }),
    // Equals (ignore case)
    row({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' }),
    // And
    row({ Location: ['New York'], Day: ['Monday'] }, { Location: 'New York', Day: 'Monday' }),
    // Or (values)
    row({ PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Debit' }),
    // Or (multiple fields)
    row({ $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] }, { Location: 'Boston', Day: 'Monday' }),
    // Not
    row({ Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Sunny' }),
    // Numeric (equals)
    row({ Price: [{ numeric: ['=', 100] }] }, { Price: 100 }),
    // Numeric (range)
    row({ Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20 }),
    // Exists
    row({ ProductName: [{ exists: true }] }, { ProductName: 'Lamp' }),
    // Does not exist
    row({ ProductName: [{ exists: false }] }, { Price: 1 }),
    // Begins with
    row({ Region: [{ prefix: 'us-' }] }, { Region: 'us-east-1' }),
    // Ends with
    row({ FileName: [{ suffix: '.png' }] }, { FileName: 'cat.png' }),
  ])('matches %s', (_name, pattern, data) => {
    expect(passes(pattern, data)).toBe(true);
  });

  it.each([
    row({ UserID: [null] }, { UserID: 'u1' }),
    row({ UserID: [null] }, {}),
    row({ LastName: [''] }, { LastName: 'Smith' }),
    row({ Name: ['Alice'] }, { Name: 'alice' }),
    row({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alicia' }),
    row({ Location: ['New York'], Day: ['Monday'] }, { Location: 'New York', Day: 'Tuesday' }),
    row({ PaymentType: ['Credit', 'Debit'] }, { PaymentType: 'Cash' }),
    row({ $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] }, { Location: 'Boston', Day: 'Friday' }),
    row({ Weather: [{ 'anything-but': ['Raining'] }] }, { Weather: 'Raining' }),
    // anything-but needs the field to be there
    row({ Weather: [{ 'anything-but': ['Raining'] }] }, { Wind: 'strong' }),
    row({ Price: [{ numeric: ['=', 100] }] }, { Price: 101 }),
    // numeric compares numbers only, never a string that looks like one
    row({ Price: [{ numeric: ['=', 100] }] }, { Price: '100' }),
    row({ Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 10 }),
    row({ Price: [{ numeric: ['>', 10, '<=', 20] }] }, { Price: 20.5 }),
    row({ ProductName: [{ exists: true }] }, { Price: 1 }),
    row({ ProductName: [{ exists: false }] }, { ProductName: 'Lamp' }),
    row({ Region: [{ prefix: 'us-' }] }, { Region: 'eu-west-1' }),
    row({ FileName: [{ suffix: '.png' }] }, { FileName: 'cat.jpg' }),
  ])('does not match %s', (_name, pattern, data) => {
    expect(passes(pattern, data)).toBe(false);
  });
});

describe("Lambda's filtering examples", () => {
  it('the Kinesis page: RequestCode "AAAA" in the example record', () => {
    expect(passes({ data: { RequestCode: ['AAAA'] } }, KINESIS_DOC_BODY)).toBe(true);
    expect(passes({ data: { RequestCode: ['BBBB'] } }, KINESIS_DOC_BODY)).toBe(false);
  });

  it('a partitionKey (metadata) and a Location (data) together', () => {
    // Prepare
    const pattern = { partitionKey: ['1'], data: { Location: ['Los Angeles'] } };
    // Assess
    expect(passes(pattern, { Location: 'Los Angeles' }, { partitionKey: '1' })).toBe(true);
    expect(passes(pattern, { Location: 'Los Angeles' }, { partitionKey: '2' })).toBe(false);
    expect(passes(pattern, { Location: 'Seattle' }, { partitionKey: '1' })).toBe(false);
  });

  it('Temperature greater than 50 and at most 60', () => {
    const pattern = { data: { Temperature: [{ numeric: ['>', 50, '<=', 60] }] } };
    expect([50, 50.1, 60, 61].map((t) => passes(pattern, { Temperature: t }))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });

  it('the console example { "a": [1, 2] }: a is 1 or 2', () => {
    const pattern = { data: { a: [1, 2] } };
    expect([1, 2, 3, '1'].map((a) => passes(pattern, { a }))).toEqual([true, true, false, false]);
  });

  it('multi-level fields: Keys.Id.N is "101"', () => {
    const pattern = { data: { Keys: { Id: { N: ['101'] } } } };
    expect(passes(pattern, { Keys: { Id: { N: '101' } }, SizeBytes: 26 })).toBe(true);
    expect(passes(pattern, { Keys: { Id: { N: '102' } } })).toBe(false);
    expect(passes(pattern, { Keys: { Id: '101' } })).toBe(false);
  });

  it('exists only matches leaf nodes, not an intermediate object such as person.address', () => {
    const body = {
      person: { name: 'John Doe', age: 30, address: { street: '123 Main St', city: 'Anytown' } },
    };
    expect(passes({ data: { person: { address: [{ exists: true }] } } }, body)).toBe(false);
    expect(passes({ data: { person: { address: { city: [{ exists: true }] } } } }, body)).toBe(true);
  });

  it('numbers compare by their text: 300, 300.0 and 3.0e2 are not equal (numeric compares values)', () => {
    // Prepare: the body is written as a producer wrote it, not re-serialised
    const body = (price: string) => `{"Price": ${price}}`;
    const exact = { data: { Price: [300] } };
    const numeric = { data: { Price: [{ numeric: ['=', 300] }] } };
    // Assess
    expect(['300', '300.0', '3.0e2'].map((p) => passes(exact, body(p)))).toEqual([true, false, false]);
    expect(['300', '300.0', '3.0e2'].map((p) => passes(numeric, body(p)))).toEqual([true, true, true]);
  });

  it('strings match character by character, without case folding or normalisation', () => {
    expect(passes({ data: { s: ['é'] } }, { s: 'e\u0301' })).toBe(false);
    expect(passes({ data: { s: ['Straße'] } }, { s: 'Straße' })).toBe(true);
  });
});

describe('the Kinesis data table: data that is not JSON', () => {
  const metadataOnly = { partitionKey: ['1'] };
  const onData = { data: { Location: ['Los Angeles'] } };

  it.each([
    ['plain text', 'hello, not json'],
    ['empty data', ''],
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
  ])('%s: a filter on data drops it, a filter on metadata only still applies', (_name, data) => {
    expect(passes(onData, data, { partitionKey: '1' })).toBe(false);
    expect(passes({ data: { Location: [{ exists: false }] } }, data, { partitionKey: '1' })).toBe(false);
    expect(passes(metadataOnly, data, { partitionKey: '1' })).toBe(true);
    expect(passes(metadataOnly, data, { partitionKey: '2' })).toBe(false);
  });

  it('valid JSON with no data pattern filters on the metadata only', () => {
    expect(passes(metadataOnly, { Location: 'Seattle' }, { partitionKey: '1' })).toBe(true);
  });

  it('several filters are OR-ed: a non-JSON record passes the one that does not look inside data', () => {
    // Prepare
    const filter = createRecordFilter({
      filters: [{ pattern: JSON.stringify(onData) }, { pattern: JSON.stringify({ partitionKey: ['k'] }) }],
    });
    // Assess
    expect(filter(makeRecord({ data: 'not json', partitionKey: 'k' }))).toBe(true);
    expect(filter(makeRecord({ data: 'not json', partitionKey: 'x' }))).toBe(false);
    expect(filter(makeRecord({ data: JSON.stringify({ Location: 'Los Angeles' }), partitionKey: 'x' }))).toBe(
      true,
    );
  });
});
