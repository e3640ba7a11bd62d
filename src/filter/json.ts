/**
 * A JSON parser that keeps what event filtering needs and JSON.parse loses: the spelling of every
 * number (Lambda compares numbers by their text for equality: 300, 300.0 and 3.0e2 differ) and the
 * order of object keys as written. Iterative, so no nesting depth can overflow the stack.
 * Pure module (no Node built-ins).
 */

/** A JSON number: its value, and its text as written. */
export class JsonNumber {
  constructor(
    readonly value: number,
    readonly text: string,
  ) {}
}

export type JsonScalar = string | boolean | null | JsonNumber;
export type JsonValue = JsonScalar | JsonValue[] | JsonObject;
/** A JSON object: a Map, so no key is mistaken for an inherited property (`__proto__`, `constructor`). */
export type JsonObject = Map<string, JsonValue>;

type Frame = { items: JsonValue[] } | { object: JsonObject; key: string };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses JSON text; throws SyntaxError where JSON.parse would (duplicate keys: the last wins). */
export function parseJson(text: string): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at position ${i}`);
  };
  const space = (): void => {
    for (let c = text.charCodeAt(i); c === 32 || c === 9 || c === 10 || c === 13; c = text.charCodeAt(++i));
  };
  const string = (): string => {
    if (text[i] !== '"') fail('expected a string');
    let j = i + 1;
    let plain = true;
    for (let c = text.charCodeAt(j); j < text.length && c !== 34; c = text.charCodeAt(j)) {
      // A backslash (92) or a control character: JSON.parse decodes and checks the string below.
      if (c === 92 || c < 32) {
        plain = false;
        j += c === 92 ? 2 : 1;
      } else j++;
    }
    if (j >= text.length) fail('unterminated string');
    const value = plain ? text.slice(i + 1, j) : (JSON.parse(text.slice(i, j + 1)) as string);
    i = j + 1;
    return value;
  };
  const key = (): string => {
    space();
    const k = string();
    space();
    if (text[i] !== ':') fail('expected ":"');
    i++;
    return k;
  };
  const scalar = (): JsonScalar => {
    const c = text[i];
    if (c === '"') return string();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match === null) return fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
    i += match[0].length;
    return new JsonNumber(Number(match[0]), match[0]);
  };

  const stack: Frame[] = [];
  for (;;) {
    space();
    let value: JsonValue;
    if (text[i] === '{') {
      i++;
      space();
      if (text[i] !== '}') {
        stack.push({ object: new Map(), key: key() });
        continue;
      }
      i++;
      value = new Map();
    } else if (text[i] === '[') {
      i++;
      space();
      if (text[i] !== ']') {
        stack.push({ items: [] });
        continue;
      }
      i++;
      value = [];
    } else {
      value = scalar();
    }
    // Hand the value to its container; close every container that ends here.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        space();
        if (i !== text.length) fail('unexpected text after the JSON value');
        return value;
      }
      if ('items' in top) top.items.push(value);
      else top.object.set(top.key, value);
      space();
      const c = text[i];
      i++;
      if (c === ',') {
        if (!('items' in top)) top.key = key();
        break;
      }
      if (c !== ('items' in top ? ']' : '}')) fail(`expected "," or "${'items' in top ? ']' : '}'}"`);
      stack.pop();
      value = 'items' in top ? top.items : top.object;
    }
  }
}

/** JSON text of a parsed value, numbers as written (for messages). */
export function stringifyJson(value: JsonValue): string {
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  if (value instanceof Map) {
    return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
