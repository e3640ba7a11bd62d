/**
 * The rest of the pattern language (EventBridge's operators that Lambda accepts), arrays, the
 * record fields beside `data`, and the patterns that are refused with where and why.
 */
import { parsePattern, PatternError } from '../../src/filter/pattern';
import { createRecordFilter } from '../../src/filter/record-filter';
import { makeRecord, type RecordOverrides, sequenceNumber } from '../helpers/records';

function passes(pattern: unknown, data: unknown, over: RecordOverrides = {}): boolean {
  const filter = createRecordFilter({ filters: [{ pattern: JSON.stringify(pattern) }] });
  return filter(makeRecord({ ...over, data: typeof data === 'string' ? data : JSON.stringify(data) }));
}

describe('operators', () => {
  it.each([
    [{ prefix: { 'equals-ignore-case': 'EVENTB' } }, 'EventBridge', true],
    [{ prefix: { 'equals-ignore-case': 'EVENTB' } }, 'Lambda', false],
    [{ suffix: { 'equals-ignore-case': 'TBRIDGE' } }, 'EventBridge', true],
    [{ 'anything-but': 'initializing' }, 'running', true],
    [{ 'anything-but': 'initializing' }, 'initializing', false],
    [{ 'anything-but': { prefix: 'us-' } }, 'eu-west-1', true],
    [{ 'anything-but': { prefix: 'us-' } }, 'us-east-1', false],
    [{ 'anything-but': { suffix: '.png' } }, 'a.jpg', true],
    [{ 'anything-but': { suffix: '.png' } }, 'a.png', false],
    [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }, 'INITIALIZING', false],
    [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }, 'B', false],
    [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }, 'c', true],
    [{ 'anything-but': [100, 200] }, 300, true],
    [{ 'anything-but': [100, 200] }, 200, false],
    [{ numeric: ['>=', 0, '<', 5] }, 0, true],
    [{ numeric: ['>=', 0, '<', 5] }, 5, false],
    [{ numeric: ['<', 0] }, -1e-9, true],
    [{ numeric: ['>', 1.5] }, 1.5, false],
    [true, true, true],
    [true, 'true', false],
  ])('%j on %j: %s', (rule, value, expected) => {
    expect(passes({ data: { v: [rule] } }, { v: value })).toBe(expected);
  });

  it('a field holding an array matches when any element matches', () => {
    const pattern = { data: { tags: ['red'] } };
    expect(passes(pattern, { tags: ['blue', 'red'] })).toBe(true);
    expect(passes(pattern, { tags: ['blue', ['red']] })).toBe(true);
    expect(passes(pattern, { tags: [] })).toBe(false);
    expect(passes({ data: { tags: [{ exists: false }] } }, { tags: [] })).toBe(true);
  });

  it('an array of objects matches when one element matches every field', () => {
    const pattern = { data: { items: { sku: ['A'], qty: [{ numeric: ['>', 1] }] } } };
    expect(
      passes(pattern, {
        items: [
          { sku: 'B', qty: 5 },
          { sku: 'A', qty: 2 },
        ],
      }),
    ).toBe(true);
    expect(
      passes(pattern, {
        items: [
          { sku: 'A', qty: 1 },
          { sku: 'B', qty: 5 },
        ],
      }),
    ).toBe(false);
  });

  it('$or nests inside a field, and alternatives may nest further', () => {
    const pattern = {
      data: { order: { $or: [{ total: [{ numeric: ['>', 100] }] }, { vip: [true] }] }, kind: ['order'] },
    };
    expect(passes(pattern, { kind: 'order', order: { total: 150 } })).toBe(true);
    expect(passes(pattern, { kind: 'order', order: { total: 50, vip: true } })).toBe(true);
    expect(passes(pattern, { kind: 'order', order: { total: 50 } })).toBe(false);
    expect(passes(pattern, { kind: 'refund', order: { total: 150 } })).toBe(false);
  });

  it('keys that name Object.prototype members are plain fields', () => {
    expect(passes({ data: { constructor: [{ exists: true }] } }, {})).toBe(false);
    expect(passes({ data: { ['__proto__']: ['x'] } }, JSON.parse('{"__proto__": "x"}'))).toBe(true);
  });

  it('data that is a JSON scalar or array is matched as such', () => {
    expect(passes({ data: [42] }, 42)).toBe(true);
    expect(passes({ data: [{ prefix: 'he' }] }, '"hello"')).toBe(true);
    expect(passes({ data: { a: ['x'] } }, [{ a: 'y' }, { a: 'x' }])).toBe(true);
  });
});

describe('record fields beside data', () => {
  const arrival = new Date('2026-03-01T12:00:00.500Z');
  const over: RecordOverrides = {
    partitionKey: 'tenant-7',
    sequenceNumber: sequenceNumber(42),
    approximateArrivalTimestamp: arrival,
  };

  it.each([
    [{ partitionKey: [{ prefix: 'tenant-' }] }, true],
    [{ partitionKey: [{ 'anything-but': ['tenant-7'] }] }, false],
    [{ sequenceNumber: [sequenceNumber(42)] }, true],
    [{ approximateArrivalTimestamp: [{ numeric: ['>=', arrival.getTime() / 1000] }] }, true],
    [{ approximateArrivalTimestamp: [{ numeric: ['>', arrival.getTime() / 1000] }] }, false],
    [{ kinesisSchemaVersion: ['1.0'] }, true],
    [{ subSequenceNumber: [{ exists: false }] }, true],
    [{ explicitHashKey: [{ exists: true }] }, false],
  ])('%j: %s', (pattern, expected) => {
    expect(passes(pattern, { any: 1 }, over)).toBe(expected);
  });

  it('a KPL sub-record is matched on its own key and sub-sequence number', () => {
    const sub = { ...over, partitionKey: 'user-key', subSequenceNumber: 3, explicitHashKey: '123' };
    expect(passes({ partitionKey: ['user-key'], subSequenceNumber: [{ numeric: ['=', 3] }] }, {}, sub)).toBe(
      true,
    );
    expect(passes({ explicitHashKey: ['123'] }, {}, sub)).toBe(true);
  });
});

describe('invalid patterns are refused with where and why', () => {
  it.each([
    ['not json', '', 'is not JSON'],
    ['[1, 2]', '', 'is not an object of fields'],
    ['{"a": "x"}', 'a', 'must be a list of rules'],
    ['{"a": 5}', 'a', 'must be a list of rules'],
    ['{"a": []}', 'a', 'empty list'],
    ['{"a": [[1]]}', 'a[0]', 'is not a rule'],
    ['{"a": [{"prefix": 5}]}', 'a[0].prefix', 'must be a string'],
    ['{"a": [{"prefix": "x", "suffix": "y"}]}', 'a[0]', 'exactly one operator'],
    ['{"a": [{"regex": ".*"}]}', 'a[0]', 'unknown operator "regex"'],
    ['{"a": [{"wildcard": "*.png"}]}', 'a[0].wildcard', 'does not document'],
    ['{"a": [{"exists": "yes"}]}', 'a[0].exists', 'true or false'],
    ['{"a": [{"numeric": [">", "5"]}]}', 'a[0].numeric[1]', 'is not a finite number'],
    ['{"a": [{"numeric": ["!=", 5]}]}', 'a[0].numeric[0]', 'is not allowed here'],
    ['{"a": [{"numeric": [">", 1, ">", 2]}]}', 'a[0].numeric[2]', 'is not allowed here'],
    ['{"a": [{"numeric": ["=", 1, "<", 2]}]}', 'a[0].numeric[0]', 'is not allowed here'],
    ['{"a": [{"numeric": [">", 9, "<", 2]}]}', 'a[0].numeric', 'is empty'],
    ['{"a": [{"numeric": [">", 1e999]}]}', 'a[0].numeric[1]', 'finite'],
    ['{"a": [{"numeric": [1]}]}', 'a[0].numeric', 'is not a numeric rule'],
    ['{"a": [{"anything-but": []}]}', 'a[0].anything-but', 'empty list'],
    ['{"a": [{"anything-but": [null]}]}', 'a[0].anything-but[0]', 'string or a number'],
    ['{"a": [{"anything-but": {"prefix": ""}}]}', 'a[0].anything-but.prefix', 'must not be empty'],
    ['{"a": [{"anything-but": {"wildcard": "x"}}]}', 'a[0].anything-but', 'is not an anything-but rule'],
    ['{"$or": [{"a": ["x"]}]}', '$or', 'at least two patterns'],
    ['{"$or": [{"a": ["x"]}, 5]}', '$or[1]', 'is not an object of fields'],
    ['{"a": {"b": {"c": "x"}}}', 'a.b.c', 'must be a list of rules'],
  ])('%s → at %j: %s', (pattern, path, reason) => {
    let error: unknown;
    try {
      parsePattern(pattern);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PatternError);
    expect((error as PatternError).path).toBe(path);
    expect((error as PatternError).reason).toContain(reason);
  });

  it('refuses nesting deeper than the bound, without overflowing the stack', () => {
    const deep = `${'{"a":'.repeat(40)}["x"]${'}'.repeat(40)}`;
    expect(() => parsePattern(deep)).toThrow(/nests deeper than 32 levels/);
  });
});
