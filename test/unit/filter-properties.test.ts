/**
 * Properties of the filter engine: the JSON parser reads what JSON.parse reads (and refuses what it
 * refuses), and no valid pattern ever throws on any record, whatever its bytes.
 */
import fc from 'fast-check';
import { JsonNumber, type JsonValue, parseJson } from '../../src/filter/json';
import { createRecordFilter } from '../../src/filter/record-filter';
import { makeRecord } from '../helpers/records';

/** A parsed value in JSON.parse's terms (numbers by value, objects as plain objects). */
function plain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return value.value;
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Map) {
    const object: Record<string, unknown> = {};
    for (const [k, v] of value) Object.defineProperty(object, k, { value: plain(v), enumerable: true });
    return object;
  }
  return value;
}

/** JSON.parse's result with the same own-property semantics as {@link plain}. */
function reference(text: string): unknown {
  return plain(toJsonValue(JSON.parse(text)));
}

function toJsonValue(value: unknown): JsonValue {
  if (typeof value === 'number') return new JsonNumber(value, String(value));
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object' && value !== null) {
    return new Map(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return value as JsonValue;
}

const outcome = (parse: () => unknown): unknown => {
  try {
    return { value: parse() };
  } catch {
    return 'refused';
  }
};

/** Patterns built from every operator, over the record fields and a few data paths. */
const leafValue = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.integer({ min: -5, max: 5 }),
  fc.boolean(),
  fc.constant(null),
);
const rule = fc.oneof(
  leafValue,
  fc.record({ prefix: fc.string({ maxLength: 3 }) }),
  fc.record({ suffix: fc.string({ maxLength: 3 }) }),
  fc.record({ prefix: fc.record({ 'equals-ignore-case': fc.string({ maxLength: 3 }) }) }),
  fc.record({ 'equals-ignore-case': fc.string({ maxLength: 3 }) }),
  fc.record({ exists: fc.boolean() }),
  fc.integer({ min: -5, max: 5 }).map((n) => ({ numeric: ['>', n, '<=', n + 3] })),
  fc.integer({ min: -5, max: 5 }).map((n) => ({ numeric: ['=', n] })),
  fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.integer()), { minLength: 1, maxLength: 3 }).map((v) => ({
    'anything-but': v,
  })),
  fc.record({ 'anything-but': fc.record({ prefix: fc.string({ minLength: 1, maxLength: 3 }) }) }),
  fc.record({ 'anything-but': fc.record({ 'equals-ignore-case': fc.string({ maxLength: 3 }) }) }),
);
const rules = fc.array(rule, { minLength: 1, maxLength: 3 });
const key = fc.constantFrom('a', 'b', 'c', '__proto__', 'constructor');
const dataPattern = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.dictionary(key, fc.oneof({ depthSize: 'small' }, rules, tie('node')), { minKeys: 1, maxKeys: 3 }),
})).node;
const pattern = fc.oneof(
  fc.record({ data: dataPattern }),
  fc.record({ partitionKey: rules }),
  fc.record({ data: dataPattern, partitionKey: rules }),
  fc.tuple(dataPattern, dataPattern).map(([x, y]) => ({ $or: [{ data: x }, { data: y }] })),
);

/** Record bodies: JSON near the patterns' shapes, any JSON, any text, any bytes. */
const body = fc.oneof(
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.dictionary(key, fc.jsonValue(), { maxKeys: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 64 }),
);

describe('filter engine properties', () => {
  it('parseJson reads exactly what JSON.parse reads', () => {
    const text = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v, null, 1)),
      fc.string({ maxLength: 20 }),
      fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(outcome(() => plain(parseJson(t)))).toEqual(outcome(() => reference(t)));
      }),
      { numRuns: 500 },
    );
  });

  it('parseJson reads any depth without overflowing the stack', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(() => parseJson(deep)).not.toThrow();
  });

  it('data nested deeper than the call stack goes is matched, never thrown on', () => {
    // Prepare
    const deep = (inner: string) => `${'['.repeat(200_000)}${inner}${']'.repeat(200_000)}`;
    const filter = (pattern: unknown) =>
      createRecordFilter({ filters: [{ pattern: JSON.stringify(pattern) }] });
    // Assess
    expect(filter({ data: { a: ['x'] } })(makeRecord({ data: deep('{"a": "x"}') }))).toBe(true);
    expect(filter({ data: [{ exists: true }] })(makeRecord({ data: deep('1') }))).toBe(true);
    expect(filter({ data: { a: { b: ['x'] } } })(makeRecord({ data: `{"a": ${deep('{"b": "y"}')}}` }))).toBe(
      false,
    );
  });

  it('no valid pattern throws on any record', () => {
    fc.assert(
      fc.property(pattern, body, fc.string({ maxLength: 8 }), (p, data, partitionKey) => {
        const filter = createRecordFilter({ filters: [{ pattern: JSON.stringify(p) }] });
        expect(typeof filter(makeRecord({ data, partitionKey }))).toBe('boolean');
      }),
      { numRuns: 1000 },
    );
  });

  it('several filters pass a record exactly when one of them alone does', () => {
    fc.assert(
      fc.property(fc.array(pattern, { minLength: 1, maxLength: 5 }), body, (patterns, data) => {
        const record = makeRecord({ data });
        const each = patterns.map((p) =>
          createRecordFilter({ filters: [{ pattern: JSON.stringify(p) }] })(record),
        );
        const all = createRecordFilter({ filters: patterns.map((p) => ({ pattern: JSON.stringify(p) })) });
        expect(all(record)).toBe(each.some(Boolean));
      }),
      { numRuns: 300 },
    );
  });
});
