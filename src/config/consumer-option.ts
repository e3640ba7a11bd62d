/**
 * The `consumer` stream option: how shards are read. Absent (or `{ type: 'polling' }`): GetRecords
 * polling, sharing each shard's 5 calls/s and 2 MB/s with every other polling application.
 * `{ type: 'efo', name }`: enhanced fan-out, a dedicated 2 MB/s per shard pushed over HTTP/2 by
 * SubscribeToShard to the stream consumer `name` (registered, or reused, by the workers).
 * Pure module: the compiled value is plain JSON and travels as workflow input.
 */
import { ConfigError } from '../errors';

export type ConsumerOption = { type: 'polling' } | { type: 'efo'; name: string };

/** Compiled: only an enhanced fan-out consumer is kept (polling is the absence of it). */
export interface CompiledConsumer {
  type: 'efo';
  name: string;
}

/** Kinesis consumer names: 1–128 of [a-zA-Z0-9_.-]. */
const CONSUMER_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;

export function compileConsumer(value: unknown): CompiledConsumer | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigError(
      'consumer',
      `${JSON.stringify(value)} is invalid: use { "type": "polling" } (the default) or { "type": "efo", "name": "<consumer name>" }`,
    );
  }
  const { type, name } = value as { type?: unknown; name?: unknown };
  if (type === 'polling') return undefined;
  if (type !== 'efo') {
    throw new ConfigError(
      'consumer.type',
      `${JSON.stringify(type)} is invalid: use "polling" (GetRecords, the default) or "efo" (enhanced fan-out)`,
    );
  }
  if (typeof name !== 'string' || !CONSUMER_NAME.test(name)) {
    throw new ConfigError(
      'consumer.name',
      `${JSON.stringify(name)} is invalid: an enhanced fan-out consumer needs a name of 1 to 128 letters, digits, "_", "." or "-" (e.g. "my-app")`,
    );
  }
  return { type: 'efo', name };
}

/** A stored `consumer` value, checked for shape only (stored-options.ts). */
export function isCompiledConsumer(value: unknown): value is CompiledConsumer {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'efo' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}
