/**
 * fast-check building blocks for the property tests in test/property: odd values a user (or a
 * JavaScript caller) can put anywhere, options built field by field from valid or odd values, and
 * byte mutations. Each property keeps its run count small so a file runs in a few seconds.
 */
import fc from 'fast-check';
import { ConfigError } from '../../src/errors';

/**
 * Any value a caller can pass: JSON, and what JavaScript adds (undefined, Date, Map, typed arrays,
 * NaN…). Not bigint: the compilers quote values with JSON.stringify, which throws a TypeError on
 * one (reported; a fix touches every options module).
 */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withTypedArray: true,
    withSparseArray: true,
    maxDepth: 2,
  }),
  fc.double(),
  fc.constantFrom(-1, 0, -0, 1e3, 0x10, Number.MAX_SAFE_INTEGER + 2, '', ' ', 'null', '1e3', '0x10'),
  // Duration-like text: digits, units, signs, exponents, spaces.
  fc.string({ unit: fc.constantFrom(...'0123456789.-+e xmshdMS'), maxLength: 8 }),
);

/** A field that is mostly valid (so later fields get checked too) and sometimes odd. */
export function validOrOdd<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: oddValue });
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/** A valid duration within [minMs, maxMs] as users write it: milliseconds, or a whole number of a unit. */
export function duration(minMs: number, maxMs: number): fc.Arbitrary<number | string> {
  return fc.integer({ min: minMs, max: maxMs }).chain((ms) => {
    const written = UNITS.flatMap(([name, unit]) => {
      const value = Math.round(ms / unit) * unit;
      return value >= minMs && value <= maxMs ? [`${value / unit}${name}`] : [];
    });
    return fc.constantFrom<number | string>(ms, ...written);
  });
}

/**
 * Runs `compile`; it may succeed, and then its result must be plain JSON (compiled options travel
 * as workflow input). Otherwise it must throw a ConfigError whose `field` names an option the
 * caller knows (`knownFields`, or a key the input itself has) and whose message starts with it.
 */
export function expectSuccessOrConfigError(
  compile: () => unknown,
  knownFields: readonly string[],
  input: unknown,
): void {
  let compiled: unknown;
  try {
    compiled = compile();
  } catch (err) {
    if (!(err instanceof ConfigError)) {
      throw new Error(`threw ${String(err)} (${(err as Error)?.name}), not a ConfigError`);
    }
    const top = err.field.split(/[.[]/)[0] ?? '';
    const ownKeys = typeof input === 'object' && input !== null ? Object.keys(input) : [];
    if (!knownFields.includes(top) && !ownKeys.includes(err.field)) {
      throw new Error(`ConfigError names ${JSON.stringify(err.field)}, not an option: ${err.message}`);
    }
    if (!err.message.startsWith(`${err.field}: `) || err.message.length <= err.field.length + 2) {
      throw new Error(`ConfigError message does not start with its field: ${err.message}`);
    }
    return;
  }
  if (!isPlainJson(compiled)) throw new Error(`compiled options are not plain JSON: ${String(compiled)}`);
}

/** True for what survives a JSON round trip unchanged (up to -0): finite numbers, strings, booleans, null, arrays and plain objects of them. */
export function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).every(isPlainJson);
}

/** One edit of a byte string: overwrite, insert or delete a byte, or cut the tail. */
export type ByteEdit =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'truncate'; at: number };

export const byteEdits: fc.Arbitrary<ByteEdit[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  ),
  { minLength: 1, maxLength: 4 },
);

/** Applies `edits` to a copy of `bytes`; positions wrap around the current length. */
export function applyEdits(bytes: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  let out = Array.from(bytes);
  for (const edit of edits) {
    const at = out.length === 0 ? 0 : edit.at % (out.length + (edit.kind === 'insert' ? 1 : 0));
    if (edit.kind === 'set' && out.length > 0) out[at] = edit.byte;
    else if (edit.kind === 'insert') out.splice(at, 0, edit.byte);
    else if (edit.kind === 'delete') out.splice(at, 1);
    else if (edit.kind === 'truncate') out = out.slice(0, at);
  }
  return Uint8Array.from(out);
}
