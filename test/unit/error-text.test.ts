import fc from 'fast-check';
import { compileStreamOptions } from '../../src/config/stream-options';
import { ConfigError } from '../../src/errors';
import {
  ERROR_SUMMARY_MAX_BYTES,
  ERROR_TYPE_MAX_BYTES,
  MESSAGE_WITHHELD,
  summarizeError,
  truncateUtf8,
  utf8Length,
} from '../../src/handler/error-text';
import { describeThrown } from '../../src/handler/run-handler';

const bytes = (text: string): number => Buffer.byteLength(text);

describe('utf8Length', () => {
  it('counts as Buffer.byteLength does, surrogates alone or paired', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(utf8Length(text)).toBe(bytes(text));
      }),
    );
    expect(utf8Length('\uD83D')).toBe(3);
    expect(utf8Length('a\uDE00b')).toBe(5);
  });
});

describe('truncateUtf8', () => {
  it('leaves text within the limit alone', () => {
    expect(truncateUtf8('héllo', 6)).toBe('héllo');
    expect(truncateUtf8('', 0)).toBe('');
  });

  it('cuts on a code point boundary and marks the cut', () => {
    expect(truncateUtf8('abcdef', 5)).toBe('ab…');
    expect(truncateUtf8('é'.repeat(10), 8)).toBe('éé…');
    // A surrogate pair is never split: 4 bytes of 😀 do not fit in 5 - 3.
    expect(truncateUtf8('😀😀', 7)).toBe('😀…');
    expect(truncateUtf8('😀😀', 6)).toBe('…');
  });

  it('keeps any text within any limit, as a prefix of it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat({ max: 64 }), (text, max) => {
        const out = truncateUtf8(text, max);
        expect(bytes(out)).toBeLessThanOrEqual(Math.max(max, 0));
        if (out === text) return;
        if (max >= 3) expect(out.endsWith('…')).toBe(true);
        expect(text.startsWith(out.slice(0, -1))).toBe(true);
      }),
    );
  });

  it('cuts a 3 MiB message to 2 KiB without reading it all', () => {
    const huge = 'z'.repeat(3 * 1024 * 1024);
    const out = truncateUtf8(huge, ERROR_SUMMARY_MAX_BYTES);
    expect(bytes(out)).toBe(ERROR_SUMMARY_MAX_BYTES);
    expect(out.startsWith('zzz')).toBe(true);
  });
});

describe('summarizeError', () => {
  const error = { type: 'StoreError', message: 'cannot store card=4111 for Ada' };

  it('keeps the type and the message by default', () => {
    expect(summarizeError(error)).toEqual(error);
    expect(summarizeError(error, 'message')).toEqual(error);
  });

  it('keeps the type only with errorDetail "type"', () => {
    expect(summarizeError(error, 'type')).toEqual({ type: 'StoreError', message: MESSAGE_WITHHELD });
    expect(JSON.stringify(summarizeError(error, 'type'))).not.toContain('4111');
  });

  it('bounds the type and the message', () => {
    const summary = summarizeError({ type: 'T'.repeat(10_000), message: 'm'.repeat(10_000) });
    expect(bytes(summary.type)).toBeLessThanOrEqual(ERROR_TYPE_MAX_BYTES);
    expect(bytes(summary.message)).toBeLessThanOrEqual(ERROR_SUMMARY_MAX_BYTES);
  });

  it('drops what is not type or message (the stack)', () => {
    expect(summarizeError({ ...error, stack: 'StoreError: at x' } as typeof error)).toEqual(error);
  });
});

describe('describeThrown', () => {
  it('reads an Error', () => {
    const err = new TypeError('bad');
    expect(describeThrown(err)).toEqual({ type: 'TypeError', message: 'bad', stack: err.stack });
  });

  it('reads an error-like object from another realm', () => {
    expect(describeThrown({ name: 'SinkError', message: 'down' })).toEqual({
      type: 'SinkError',
      message: 'down',
    });
  });

  it.each<[string, unknown, { type: string; message: string }]>([
    ['a string', 'plain', { type: 'Error', message: 'plain' }],
    ['undefined', undefined, { type: 'Error', message: 'undefined' }],
    ['a number', 42, { type: 'Error', message: '42' }],
    ['an Error without a name', Object.assign(new Error('x'), { name: '' }), { type: 'Error', message: 'x' }],
    [
      'an object whose toString throws',
      {
        toString() {
          throw new Error('no');
        },
      },
      { type: 'Error', message: 'a thrown object' },
    ],
    [
      'an Error whose message getter throws',
      Object.defineProperty(new Error(), 'message', {
        get() {
          throw new Error('no');
        },
      }),
      { type: 'Error', message: '' },
    ],
  ])('never throws for %s', (_what, thrown, expected) => {
    expect(describeThrown(thrown)).toMatchObject(expected);
  });
});

describe('the errorDetail stream option', () => {
  const base = { streamName: 'orders', dlqQueueUrl: 'http://127.0.0.1:1/q' };

  it('defaults to "message" and accepts "type"', () => {
    expect(compileStreamOptions(base).errorDetail).toBe('message');
    expect(compileStreamOptions({ ...base, errorDetail: 'type' }).errorDetail).toBe('type');
  });

  it('refuses anything else, naming the field and the values', () => {
    const compile = (): unknown => compileStreamOptions({ ...base, errorDetail: 'none' as 'type' });
    expect(compile).toThrow(ConfigError);
    expect(compile).toThrow(/errorDetail.*"none" is invalid: use "message".*or "type"/);
  });
});
