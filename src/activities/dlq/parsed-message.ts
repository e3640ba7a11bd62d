/**
 * A received message's body, parsed and checked once however often a replay reads it: a
 * partition-key replay orders messages by their first record, then looks up their keys, then
 * replays them, and each used to parse the JSON and check every field again.
 */
import { type ParseDlqResult, parseDlqMessage } from '../../dlq/parse';
import type { ReceivedMessage } from './queue';

const parsed = new WeakMap<ReceivedMessage, ParseDlqResult>();

/** {@link parseDlqMessage} of `m.body`, remembered for as long as the message is held. Read only. */
export function parsedMessage(m: ReceivedMessage): ParseDlqResult {
  let result = parsed.get(m);
  if (result === undefined) {
    result = parseDlqMessage(m.body);
    parsed.set(m, result);
  }
  return result;
}

/**
 * The parse of `m.body` for a reader that needs it once: the remembered one when an ordered
 * receive made it, else parsed now and not remembered (a WeakMap entry per message is garbage the
 * collector must trace as an ephemeron, for a parse nothing reads again).
 */
export function parsedOnce(m: ReceivedMessage): ParseDlqResult {
  return parsed.get(m) ?? parseDlqMessage(m.body);
}
