/**
 * Start positions: where a shard is read from when it has no checkpoint yet, validated for the
 * stream options, the CLI parser and the seek message.
 */
import { ConfigError } from '../errors';
import type { ShardStartPosition, StartPosition } from './stream-option-types';

const SEQUENCE_NUMBER = /^\d{1,128}$/;
const START_TYPES = ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'];

function sequenceMap(field: string, value: unknown): Record<string, string> {
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    Object.keys(value).length === 0
  ) {
    throw new ConfigError(
      field,
      'must map shard IDs to sequence numbers, e.g. {"shardId-000000000000": "4959…"}',
    );
  }
  for (const [shardId, seq] of Object.entries(value)) {
    if (typeof seq !== 'string' || !SEQUENCE_NUMBER.test(seq)) {
      throw new ConfigError(
        `${field}.${shardId}`,
        `${JSON.stringify(seq)} is not a sequence number (decimal digits)`,
      );
    }
  }
  return { ...(value as Record<string, string>) };
}

/** Validates a start position (also used by the CLI parser and the seek message). */
export function compileStartPosition(field: string, value: unknown, now: Date = new Date()): StartPosition {
  if (typeof value !== 'object' || value === null || !('type' in value)) {
    throw new ConfigError(field, `must be an object with a "type", one of ${START_TYPES.join(', ')}`);
  }
  const v = value as Record<string, unknown>;
  switch (v.type) {
    case 'TRIM_HORIZON':
    case 'LATEST':
      return { type: v.type };
    case 'AT_TIMESTAMP': {
      const t =
        typeof v.timestamp === 'string' || typeof v.timestamp === 'number' ? new Date(v.timestamp) : null;
      if (t === null || Number.isNaN(t.getTime())) {
        throw new ConfigError(
          `${field}.timestamp`,
          `${JSON.stringify(v.timestamp)} is not a time: use ISO-8601, e.g. "2026-11-26T08:00:00Z"`,
        );
      }
      if (t.getTime() > now.getTime()) {
        throw new ConfigError(
          `${field}.timestamp`,
          `${t.toISOString()} is in the future: Kinesis rejects it`,
        );
      }
      return { type: 'AT_TIMESTAMP', timestamp: t.toISOString() };
    }
    case 'AT_SEQUENCE_NUMBER':
    case 'AFTER_SEQUENCE_NUMBER':
      return { type: v.type, sequenceNumbers: sequenceMap(`${field}.sequenceNumbers`, v.sequenceNumbers) };
    default:
      throw new ConfigError(
        `${field}.type`,
        `${JSON.stringify(v.type)} is not a start position: use one of ${START_TYPES.join(', ')}`,
      );
  }
}

/** The start position one shard uses. */
export function shardStartPosition(position: StartPosition, shardId: string): ShardStartPosition {
  if (position.type === 'AT_SEQUENCE_NUMBER' || position.type === 'AFTER_SEQUENCE_NUMBER') {
    const sequenceNumber = position.sequenceNumbers[shardId];
    return sequenceNumber === undefined ? { type: 'TRIM_HORIZON' } : { type: position.type, sequenceNumber };
  }
  return position;
}
