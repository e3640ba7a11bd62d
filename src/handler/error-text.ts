/**
 * What of a handler's error may enter workflow history. Error text counts as record data
 * (DESIGN.md rule 1): handlers quote records in their errors, so the batch activity's result, and
 * from it the shard's status, carries only a bounded summary, redacted by the stream's
 * `errorDetail` option. The full error goes to the DLQ envelope and the worker log.
 *
 * Pure module, no Node built-ins: safe in activities and workflows alike.
 */
import type { ErrorDetail } from '../config/stream-options';

/** An error type (the thrown error's `name`) is cut to this many UTF-8 bytes wherever it goes. */
export const ERROR_TYPE_MAX_BYTES = 256;

/** The message an activity result may carry (errorDetail `message`) is cut to this many UTF-8 bytes: 2 KiB. */
export const ERROR_SUMMARY_MAX_BYTES = 2048;

/** The message an activity result carries instead of the handler's, with errorDetail `type`. */
export const MESSAGE_WITHHELD =
  'message withheld (errorDetail "type"): see the DLQ message or the worker log';

/** What of an error may enter history: its type and a bounded (or withheld) message. */
export interface ErrorSummary {
  type: string;
  message: string;
}

/** UTF-8 bytes of `text`, counted without encoding it (a lone surrogate counts 3, as U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; ) {
    const [size, units] = codePointAt(text, i);
    bytes += size;
    i += units;
  }
  return bytes;
}

/** UTF-8 bytes and UTF-16 units of the code point at `i`. */
function codePointAt(text: string, i: number): [bytes: number, units: number] {
  const c = text.charCodeAt(i);
  if (c < 0x80) return [1, 1];
  if (c < 0x800) return [2, 1];
  const next = text.charCodeAt(i + 1);
  if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) return [4, 2];
  return [3, 1];
}

/** Bytes of the `…` that marks a cut. */
const CUT_MARK_BYTES = 3;

/**
 * Cuts a string to at most `maxBytes` UTF-8 bytes, on a code point boundary, marking the cut with
 * `…`. Reads only as much of `text` as it keeps, so a megabyte message costs no more than a short one.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // Every UTF-16 unit is at most 3 bytes: a string this short fits whatever it holds.
  if (text.length * 3 <= maxBytes) return text;
  const budget = maxBytes - CUT_MARK_BYTES;
  let bytes = 0;
  let cut = 0;
  for (let end = 0; end < text.length; ) {
    const [size, units] = codePointAt(text, end);
    if (bytes + size > maxBytes) return budget < 0 ? '' : `${text.slice(0, cut)}…`;
    bytes += size;
    end += units;
    if (bytes <= budget) cut = end;
  }
  return text;
}

/**
 * The part of an error that may enter history: its type (bounded) and, with errorDetail
 * `message`, its message cut to {@link ERROR_SUMMARY_MAX_BYTES}; with `type`, a fixed text in
 * place of the message, so nothing the handler wrote beyond its error's name gets through.
 */
export function summarizeError(
  error: { type: string; message: string },
  detail: ErrorDetail = 'message',
): ErrorSummary {
  return {
    type: truncateUtf8(error.type, ERROR_TYPE_MAX_BYTES),
    message: detail === 'type' ? MESSAGE_WITHHELD : truncateUtf8(error.message, ERROR_SUMMARY_MAX_BYTES),
  };
}
