/**
 * How Kinesis routes a record: a 128-bit hash key, either the explicit hash key (a decimal string)
 * or the MD5 of the partition key's UTF-8 bytes read as an unsigned big-endian integer. A shard
 * owns an inclusive range of hash keys.
 */
import { createHash } from 'node:crypto';

/** 2^128 - 1, the largest hash key. */
export const MAX_HASH_KEY = (1n << 128n) - 1n;

const DECIMAL = /^(0|[1-9]\d{0,38})$/;

/** True when `value` is a valid explicit hash key: a decimal integer from 0 to 2^128 - 1. */
export function isExplicitHashKey(value: string): boolean {
  return DECIMAL.test(value) && BigInt(value) <= MAX_HASH_KEY;
}

/** The MD5 of the partition key as a 128-bit unsigned integer. */
export function partitionKeyHash(partitionKey: string): bigint {
  return BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
}

/** The hash key that routes a record: its explicit hash key when set, else the MD5 of its partition key. */
export function effectiveHashKey(partitionKey: string, explicitHashKey?: string): bigint {
  return explicitHashKey === undefined ? partitionKeyHash(partitionKey) : BigInt(explicitHashKey);
}
