/**
 * Matches a compiled pattern (pattern.ts) against a JSON value, as Lambda event filtering does:
 * every field of a pattern must match and one alternative of each `$or`; a field's rules are
 * alternatives; rules apply to leaf values only (strings, numbers, booleans, null), an array
 * matches when any of its elements does, and an object is an intermediate node, never a leaf.
 * Pure and total: any JSON value (or undefined) gives true or false, never an exception.
 */
import { JsonNumber, type JsonScalar, type JsonValue } from './json';
import type { FieldPattern, ObjectPattern, Rule } from './pattern';

/** Whether `value` (a document parsed by json.ts; undefined for none) matches `pattern`. */
export function matchPattern(pattern: ObjectPattern, value: JsonValue | undefined): boolean {
  // An array (of arrays…) of objects matches when one of its elements does, all fields from the same one.
  if (Array.isArray(value) && value.length > 0) return flatten(value).some((v) => matchPattern(pattern, v));
  const object = value instanceof Map ? value : undefined;
  for (const { name, pattern: field } of pattern.fields) {
    if (!matchField(field, object?.get(name))) return false;
  }
  return pattern.anyOf.every((alternatives) => alternatives.some((p) => matchPattern(p, value)));
}

function matchField(field: FieldPattern, value: JsonValue | undefined): boolean {
  if (field.kind === 'object') return matchPattern(field.pattern, value);
  const leaves: JsonScalar[] = [];
  collectLeaves(value, leaves);
  return field.rules.some((rule) => matchRule(rule, leaves));
}

/** A field's leaf values: itself when it is one, the leaves of its elements when it is an array. */
function collectLeaves(value: JsonValue | undefined, into: JsonScalar[]): void {
  if (value === undefined) return;
  for (const v of Array.isArray(value) ? flatten(value) : [value]) if (!(v instanceof Map)) into.push(v);
}

/**
 * The elements of an array and of the arrays inside it, in order. Iterative: a record's data may
 * nest arrays deeper than the call stack goes, and no record may make the filter throw.
 */
function flatten(array: readonly JsonValue[]): Array<Exclude<JsonValue, JsonValue[]>> {
  const out: Array<Exclude<JsonValue, JsonValue[]>> = [];
  const stack: Array<{ items: readonly JsonValue[]; next: number }> = [{ items: array, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { items: readonly JsonValue[]; next: number };
    if (top.next >= top.items.length) {
      stack.pop();
      continue;
    }
    const item = top.items[top.next++] as JsonValue;
    if (Array.isArray(item)) stack.push({ items: item, next: 0 });
    else out.push(item);
  }
  return out;
}

function matchRule(rule: Rule, leaves: readonly JsonScalar[]): boolean {
  if (rule.op === 'exists') return rule.value === leaves.length > 0;
  return leaves.some((leaf) => matchLeaf(rule, leaf));
}

function matchLeaf(rule: Exclude<Rule, { op: 'exists' }>, leaf: JsonScalar): boolean {
  switch (rule.op) {
    case 'equals':
      return same(leaf, rule.value);
    case 'equals-ignore-case':
      return typeof leaf === 'string' && fold(leaf) === fold(rule.value);
    case 'prefix':
    case 'suffix': {
      if (typeof leaf !== 'string') return false;
      const [text, affix] = rule.ignoreCase ? [fold(leaf), fold(rule.value)] : [leaf, rule.value];
      return rule.op === 'prefix' ? text.startsWith(affix) : text.endsWith(affix);
    }
    case 'numeric': {
      if (!(leaf instanceof JsonNumber)) return false;
      const { value } = leaf;
      const { lower, upper } = rule;
      if (lower !== null && (lower.inclusive ? value < lower.value : value <= lower.value)) return false;
      return upper === null || (upper.inclusive ? value <= upper.value : value < upper.value);
    }
    case 'anything-but':
      return !rule.values.some((v) => same(leaf, v));
    case 'anything-but-ignore-case':
      return typeof leaf !== 'string' || !rule.values.some((v) => fold(v) === fold(leaf));
    case 'anything-but-prefix':
      return typeof leaf !== 'string' || !leaf.startsWith(rule.value);
    case 'anything-but-suffix':
      return typeof leaf !== 'string' || !leaf.endsWith(rule.value);
  }
}

/** Case folding for the ignore-case operators (Unicode simple lower case). */
const fold = (s: string): string => s.toLowerCase();

/** Equality as Lambda has it: same type, same text (a number as it was written). */
function same(leaf: JsonScalar, literal: JsonScalar): boolean {
  if (leaf instanceof JsonNumber) return literal instanceof JsonNumber && leaf.text === literal.text;
  return leaf === literal;
}
