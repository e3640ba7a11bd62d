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

/** A literal a field may equal. */
export type Literal = string | number | boolean | null;

/** One rule of a field's list. */
export type Rule =
  | { op: 'equals'; value: Literal }
  | { op: 'equals-ignore-case'; value: string }
  | { op: 'prefix' | 'suffix'; value: string; ignoreCase: boolean }
  | { op: 'numeric'; lower: Bound | null; upper: Bound | null }
  | { op: 'exists'; value: boolean }
  | { op: 'anything-but'; values: Literal[] }
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

/** Parses a pattern's JSON text; throws {@link PatternError}. */
export function parsePattern(text: string): ObjectPattern {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PatternError(
      '',
      `is not JSON (${(err as Error).message}): write it as a JSON string, e.g. "{\\"data\\": {\\"type\\": [\\"order\\"]}}"`,
    );
  }
  return compileObject(json, '', 0);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);
const join = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function compileObject(value: unknown, path: string, depth: number): ObjectPattern {
  if (!isPlainObject(value)) {
    throw new PatternError(
      path,
      `${show(value)} is not an object of fields, e.g. {"data": {"type": ["order"]}}`,
    );
  }
  if (depth > MAX_PATTERN_DEPTH)
    throw new PatternError(path, `nests deeper than ${MAX_PATTERN_DEPTH} levels`);
  const pattern: ObjectPattern = { fields: [], anyOf: [] };
  for (const [key, inner] of Object.entries(value)) {
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
      if (inner.length === 0)
        throw new PatternError(at, 'is an empty list, which matches nothing: give at least one rule');
      pattern.fields.push({
        name: key,
        pattern: { kind: 'rules', rules: inner.map((r, i) => compileRule(r, `${at}[${i}]`)) },
      });
    } else if (isPlainObject(inner)) {
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

function isLiteral(value: unknown): value is Literal {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function compileRule(value: unknown, path: string): Rule {
  if (isLiteral(value)) return { op: 'equals', value };
  if (!isPlainObject(value)) {
    throw new PatternError(
      path,
      `${show(value)} is not a rule: use a string, number, boolean, null or an operator object such as {"prefix": "us-"}`,
    );
  }
  const keys = Object.keys(value);
  const [op] = keys;
  if (keys.length !== 1 || op === undefined) {
    throw new PatternError(path, `${show(value)} must hold exactly one operator, e.g. {"prefix": "us-"}`);
  }
  const arg = value[op];
  const at = `${path}.${op}`;
  switch (op) {
    case 'prefix':
    case 'suffix': {
      if (typeof arg === 'string') return { op, value: arg, ignoreCase: false };
      return { op, value: ignoreCaseString(arg, at), ignoreCase: true };
    }
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
        `unknown operator ${show(op)}: use prefix, suffix, equals-ignore-case, numeric, exists or anything-but`,
      );
  }
}

function stringArg(arg: unknown, path: string): string {
  if (typeof arg !== 'string') throw new PatternError(path, `${show(arg)} must be a string`);
  return arg;
}

/** `{"equals-ignore-case": "abc"}` inside prefix or suffix. */
function ignoreCaseString(arg: unknown, path: string): string {
  if (!isPlainObject(arg) || Object.keys(arg).length !== 1 || !('equals-ignore-case' in arg)) {
    throw new PatternError(path, `${show(arg)} must be a string, or {"equals-ignore-case": "…"}`);
  }
  return stringArg(arg['equals-ignore-case'], `${path}.equals-ignore-case`);
}

const LOWER = ['>', '>='];
const UPPER = ['<', '<='];

function compileNumeric(arg: unknown, path: string): Rule {
  const usage = 'use ["=", 100], [">", 0], or a range such as [">", 0, "<=", 5]';
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    throw new PatternError(path, `${show(arg)} is not a numeric rule: ${usage}`);
  }
  let lower: Bound | null = null;
  let upper: Bound | null = null;
  for (let i = 0; i < arg.length; i += 2) {
    const operator: unknown = arg[i];
    const number: unknown = arg[i + 1];
    if (typeof number !== 'number' || !Number.isFinite(number)) {
      throw new PatternError(`${path}[${i + 1}]`, `${show(number)} is not a number: ${usage}`);
    }
    if (operator === '=' && arg.length === 2) {
      return {
        op: 'numeric',
        lower: { value: number, inclusive: true },
        upper: { value: number, inclusive: true },
      };
    }
    if (typeof operator === 'string' && LOWER.includes(operator) && lower === null) {
      lower = { value: number, inclusive: operator === '>=' };
    } else if (typeof operator === 'string' && UPPER.includes(operator) && upper === null) {
      upper = { value: number, inclusive: operator === '<=' };
    } else {
      throw new PatternError(`${path}[${i}]`, `${show(operator)} is not allowed here: ${usage}`);
    }
  }
  if (lower !== null && upper !== null && lower.value > upper.value) {
    throw new PatternError(path, `the range ${show(arg)} is empty: its lower bound is above its upper bound`);
  }
  return { op: 'numeric', lower, upper };
}

function compileAnythingBut(arg: unknown, path: string): Rule {
  if (isLiteral(arg) && arg !== null && typeof arg !== 'boolean')
    return { op: 'anything-but', values: [arg] };
  if (Array.isArray(arg)) {
    if (arg.length === 0) throw new PatternError(path, 'is an empty list: name at least one value');
    arg.forEach((v, i) => {
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
        throw new PatternError(`${path}[${i}]`, `${show(v)} must be a string or a number`);
      }
    });
    return { op: 'anything-but', values: arg as Literal[] };
  }
  if (isPlainObject(arg) && Object.keys(arg).length === 1) {
    const [op] = Object.keys(arg) as [string];
    const inner = arg[op];
    const at = `${path}.${op}`;
    if (op === 'prefix' || op === 'suffix') {
      const value = stringArg(inner, at);
      if (value === '') throw new PatternError(at, 'must not be empty (every value starts and ends with "")');
      return { op: op === 'prefix' ? 'anything-but-prefix' : 'anything-but-suffix', value };
    }
    if (op === 'equals-ignore-case') {
      const values = Array.isArray(inner) ? inner : [inner];
      if (values.length === 0) throw new PatternError(at, 'is an empty list: name at least one value');
      return {
        op: 'anything-but-ignore-case',
        values: values.map((v, i) => stringArg(v, Array.isArray(inner) ? `${at}[${i}]` : at)),
      };
    }
  }
  throw new PatternError(
    path,
    `${show(arg)} is not an anything-but rule: use a value, a list of values, {"prefix": "…"}, {"suffix": "…"} or {"equals-ignore-case": "…"}`,
  );
}

/** Whether a pattern names `key` at its top level (in itself or any top-level `$or` branch). */
export function namesTopLevel(pattern: ObjectPattern, key: string): boolean {
  return (
    pattern.fields.some((f) => f.name === key) ||
    pattern.anyOf.some((alternatives) => alternatives.some((p) => namesTopLevel(p, key)))
  );
}

/** The top-level field names of a pattern, `$or` branches included. */
export function topLevelNames(pattern: ObjectPattern): string[] {
  const names = pattern.fields.map((f) => f.name);
  for (const alternatives of pattern.anyOf) for (const p of alternatives) names.push(...topLevelNames(p));
  return names;
}
