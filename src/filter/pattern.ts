/**
 * Lambda's event-filtering pattern language (the syntax of EventBridge event patterns that Lambda
 * documents for `FilterCriteria`), parsed and validated into a small tree that match.ts walks.
 * Pure module (no Node built-ins): the options compiler runs it in workflow code too.
 *
 * A pattern is a JSON object. Each key names a field; its value is either an object (the field's
 * nested fields) or a non-empty list of rules, any of which may match. `$or` takes a list of
 * patterns, any of which may match. Rules: a literal string, number, boolean or null (equality),
 * `{"prefix": s}`, `{"suffix": s}` (both also as `{"equals-ignore-case": s}`),
 * `{"equals-ignore-case": s}`, `{"numeric": [">", 0, "<=", 5]}`, `{"exists": true|false}` and
 * `{"anything-but": …}` (a value, a list of values, or `{"prefix"|"suffix": s}`,
 * `{"equals-ignore-case": s | [s]}`).
 */

import { JsonNumber, type JsonObject, type JsonValue, parseJson, stringifyJson } from './json';

/**
 * A literal a field may equal. A number equals only a number written the same way (Lambda compares
 * numbers by their text: 300, 300.0 and 3.0e2 differ); `numeric` compares values.
 */
export type Literal = string | boolean | null | JsonNumber;

/** One rule of a field's list. */
export type Rule =
  | { op: 'equals'; value: Literal }
  | { op: 'equals-ignore-case'; value: string }
  | { op: 'prefix' | 'suffix'; value: string; ignoreCase: boolean }
  | { op: 'numeric'; lower: Bound | null; upper: Bound | null }
  | { op: 'exists'; value: boolean }
  | { op: 'anything-but'; values: Array<string | JsonNumber> }
  | { op: 'anything-but-ignore-case'; values: string[] }
  | { op: 'anything-but-prefix' | 'anything-but-suffix'; value: string };

export interface Bound {
  value: number;
  inclusive: boolean;
}

/** What a field's pattern is: nested fields, or a list of rules any of which may match. */
export type FieldPattern = { kind: 'object'; pattern: ObjectPattern } | { kind: 'rules'; rules: Rule[] };

/** Every field must match, and for each `$or` one of its alternatives. */
export interface ObjectPattern {
  fields: Array<{ name: string; pattern: FieldPattern }>;
  anyOf: ObjectPattern[][];
}

/** A pattern the user wrote that cannot be compiled; `path` locates the fault inside it. */
export class PatternError extends Error {
  override readonly name = 'PatternError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? reason : `at ${path}: ${reason}`);
  }
}

/** Nesting deeper than this is refused (a pattern is at most 4096 characters anyway). */
export const MAX_PATTERN_DEPTH = 32;

const EXAMPLE = '{"data": {"type": ["order"]}}';

/** Parses a pattern's JSON text; throws {@link PatternError}. */
export function parsePattern(text: string): ObjectPattern {
  let json: JsonValue;
  try {
    json = parseJson(text);
  } catch (err) {
    throw new PatternError(
      '',
      `is not JSON (${(err as Error).message}): write a JSON object such as ${EXAMPLE}`,
    );
  }
  return compileObject(json, '', 0);
}

const isObject = (value: JsonValue | undefined): value is JsonObject => value instanceof Map;
const show = (value: JsonValue | undefined): string =>
  value === undefined ? 'nothing' : stringifyJson(value);
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function compileObject(value: JsonValue, path: string, depth: number): ObjectPattern {
  if (!isObject(value))
    throw new PatternError(path, `${show(value)} is not an object of fields, e.g. ${EXAMPLE}`);
  if (depth > MAX_PATTERN_DEPTH)
    throw new PatternError(path, `nests deeper than ${MAX_PATTERN_DEPTH} levels`);
  const pattern: ObjectPattern = { fields: [], anyOf: [] };
  for (const [key, inner] of value) {
    const at = join(path, key);
    if (key === '$or') {
      if (!Array.isArray(inner) || inner.length < 2) {
        throw new PatternError(
          at,
          'must be a list of at least two patterns, e.g. [{"a": ["x"]}, {"b": ["y"]}]',
        );
      }
      pattern.anyOf.push(inner.map((p, i) => compileObject(p, `${at}[${i}]`, depth + 1)));
    } else if (Array.isArray(inner)) {
      if (inner.length === 0) {
        throw new PatternError(at, 'is an empty list, which matches nothing: give at least one rule');
      }
      const rules = inner.map((r, i) => compileRule(r, `${at}[${i}]`));
      pattern.fields.push({ name: key, pattern: { kind: 'rules', rules } });
    } else if (isObject(inner)) {
      pattern.fields.push({
        name: key,
        pattern: { kind: 'object', pattern: compileObject(inner, at, depth + 1) },
      });
    } else {
      throw new PatternError(
        at,
        `${show(inner)} must be a list of rules (e.g. [${show(inner)}]) or an object of nested fields`,
      );
    }
  }
  return pattern;
}

function compileRule(value: JsonValue, path: string): Rule {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    value instanceof JsonNumber
  ) {
    return { op: 'equals', value };
  }
  if (!isObject(value)) {
    throw new PatternError(
      path,
      `${show(value)} is not a rule: use a string, number, boolean, null or an operator object such as {"prefix": "us-"}`,
    );
  }
  const [op] = value.keys();
  if (value.size !== 1 || op === undefined) {
    throw new PatternError(path, `${show(value)} must hold exactly one operator, e.g. {"prefix": "us-"}`);
  }
  const arg = value.get(op);
  const at = `${path}.${op}`;
  switch (op) {
    case 'prefix':
    case 'suffix':
      if (typeof arg === 'string') return { op, value: arg, ignoreCase: false };
      return { op, value: ignoreCaseString(arg, at), ignoreCase: true };
    case 'equals-ignore-case':
      return { op, value: stringArg(arg, at) };
    case 'exists':
      if (typeof arg !== 'boolean') throw new PatternError(at, `${show(arg)} must be true or false`);
      return { op, value: arg };
    case 'numeric':
      return compileNumeric(arg, at);
    case 'anything-but':
      return compileAnythingBut(arg, at);
    case 'wildcard':
    case 'cidr':
      throw new PatternError(
        at,
        `"${op}" is an EventBridge operator that Lambda event filtering does not document: use prefix, suffix or equals-ignore-case`,
      );
    default:
      throw new PatternError(
        path,
        `unknown operator ${JSON.stringify(op)}: use prefix, suffix, equals-ignore-case, numeric, exists or anything-but`,
      );
  }
}

function stringArg(arg: JsonValue | undefined, path: string): string {
  if (typeof arg !== 'string') throw new PatternError(path, `${show(arg)} must be a string`);
  return arg;
}

/** `{"equals-ignore-case": "abc"}` inside prefix or suffix. */
function ignoreCaseString(arg: JsonValue | undefined, path: string): string {
  if (!isObject(arg) || arg.size !== 1 || !arg.has('equals-ignore-case')) {
    throw new PatternError(path, `${show(arg)} must be a string, or {"equals-ignore-case": "…"}`);
  }
  return stringArg(arg.get('equals-ignore-case'), `${path}.equals-ignore-case`);
}

const NUMERIC_USAGE = 'use ["=", 100], [">", 0], or a range such as [">", 0, "<=", 5]';

function compileNumeric(arg: JsonValue | undefined, path: string): Rule {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    throw new PatternError(path, `${show(arg)} is not a numeric rule: ${NUMERIC_USAGE}`);
  }
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  for (let i = 0; i < arg.length; i += 2) {
    const operator = arg[i];
    const given = arg[i + 1];
    if (!(given instanceof JsonNumber) || !Number.isFinite(given.value)) {
      throw new PatternError(`${path}[${i + 1}]`, `${show(given)} is not a finite number: ${NUMERIC_USAGE}`);
    }
    const value = given.value;
    if (operator === '=' && arg.length === 2) {
      return { op: 'numeric', lower: { value, inclusive: true }, upper: { value, inclusive: true } };
    }
    if ((operator === '>' || operator === '>=') && lower === null) {
      lower = { value, inclusive: operator === '>=' };
    } else if ((operator === '<' || operator === '<=') && upper === null) {
      upper = { value, inclusive: operator === '<=' };
    } else {
      throw new PatternError(`${path}[${i}]`, `${show(operator)} is not allowed here: ${NUMERIC_USAGE}`);
    }
  }
  if (lower !== null && upper !== null && lower.value > upper.value) {
    throw new PatternError(path, `the range ${show(arg)} is empty: its lower bound is above its upper bound`);
  }
  return { op: 'numeric', lower, upper };
}

const isValue = (v: JsonValue | undefined): v is string | JsonNumber =>
  typeof v === 'string' || v instanceof JsonNumber;

function compileAnythingBut(arg: JsonValue | undefined, path: string): Rule {
  if (isValue(arg)) return { op: 'anything-but', values: [arg] };
  if (Array.isArray(arg)) {
    if (arg.length === 0) throw new PatternError(path, 'is an empty list: name at least one value');
    const values = arg.map((v, i) => {
      if (!isValue(v)) throw new PatternError(`${path}[${i}]`, `${show(v)} must be a string or a number`);
      return v;
    });
    return { op: 'anything-but', values };
  }
  const [entry] = isObject(arg) && arg.size === 1 ? [...arg] : [];
  if (entry !== undefined) {
    const [op, inner] = entry;
    const at = `${path}.${op}`;
    if (op === 'prefix' || op === 'suffix') {
      const value = stringArg(inner, at);
      if (value === '') throw new PatternError(at, 'must not be empty: every value starts and ends with ""');
      return { op: op === 'prefix' ? 'anything-but-prefix' : 'anything-but-suffix', value };
    }
    if (op === 'equals-ignore-case') {
      const list = Array.isArray(inner) ? inner : [inner];
      if (list.length === 0) throw new PatternError(at, 'is an empty list: name at least one value');
      return { op: 'anything-but-ignore-case', values: list.map((v, i) => stringArg(v, `${at}[${i}]`)) };
    }
  }
  throw new PatternError(
    path,
    `${show(arg)} is not an anything-but rule: use a value, a list of values, {"prefix": "…"}, {"suffix": "…"} or {"equals-ignore-case": "…"}`,
  );
}

/** Whether a pattern names `key` at its top level (in itself or any top-level `$or` branch). */
export function namesTopLevel(pattern: ObjectPattern, key: string): boolean {
  return topLevelNames(pattern).includes(key);
}

/** The top-level field names of a pattern, `$or` branches included. */
export function topLevelNames(pattern: ObjectPattern): string[] {
  const names = pattern.fields.map((f) => f.name);
  for (const alternatives of pattern.anyOf) for (const p of alternatives) names.push(...topLevelNames(p));
  return names;
}
