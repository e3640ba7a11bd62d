/**
 * Builds one PutRecords request from the keys whose turn it is, within the API limits exactly
 * (500 records, 5 MiB per call, 1 MiB per record, partition keys included) and each shard's rate.
 *
 * Without aggregation every entry is one user record. With aggregation the records bound for one
 * shard are packed into KPL aggregates (up to `maxBytes` / `maxRecords`); a key's queued records
 * go into one aggregate, in order, as many as fit. An aggregate of one record is sent as that
 * plain record (as the KPL does), and so is a record too large for any aggregate. An aggregate is
 * routed by its first record's hash key, so it lands on the shard the map predicts for all of them.
 */
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { AggregateEncoder } from './aggregate-encoder';
import type { HashKey } from './hash-keys';
import type { KeyQueues, PendingRecord } from './key-queues';
import { MAX_RECORDS_PER_REQUEST, MAX_RECORD_BYTES, MAX_REQUEST_BYTES } from './limits';
import type { ShardRateLimiter } from './rate-limiter';

/** One Kinesis record of a request. */
export interface Entry {
  /** The shard the map predicted. */
  shardId: string;
  /** Its user records, in order: an aggregate's sub-sequence numbers are their indexes. */
  records: PendingRecord[];
  aggregated: boolean;
  request: PutRecordsRequestEntry;
  /** Data plus partition key: what the entry counts for against the limits. */
  bytes: number;
}

export interface BuildContext {
  queues: KeyQueues;
  /** The shard for a hash key; undefined when the map does not cover it. */
  route(hashKey: HashKey): string | undefined;
  limiter: ShardRateLimiter;
  aggregation: { maxBytes: number; maxRecords: number } | null;
  now: number;
  /** How long a key whose hash key no shard covers waits before it is tried again. */
  unroutableWaitMs: number;
}

export interface BuiltRequest {
  entries: Entry[];
  /** Keys held back because no known shard covers their hash key: the map needs a re-read. */
  unroutable: number;
}

function partitionKeyBytes(partitionKey: string): number {
  return Buffer.byteLength(partitionKey, 'utf8');
}

function plainEntry(shardId: string, record: PendingRecord): Entry {
  return {
    shardId,
    records: [record],
    aggregated: false,
    request: {
      Data: record.data,
      PartitionKey: record.partitionKey,
      ...(record.explicitHashKey === undefined ? {} : { ExplicitHashKey: record.explicitHashKey }),
    },
    bytes: record.bytes,
  };
}

class OpenAggregate {
  readonly builder = new AggregateEncoder();
  readonly records: PendingRecord[] = [];
  constructor(
    readonly shardId: string,
    private readonly maxBytes: number,
    private readonly maxRecords: number,
  ) {}

  /** What the entry would count for with `record` added (aggregate plus its partition key), or undefined if it cannot take it. */
  bytesWith(record: PendingRecord): number | undefined {
    if (this.records.length >= this.maxRecords) return undefined;
    const first = this.records[0] ?? record;
    const size = this.builder.sizeWith(record);
    const entryBytes = size + partitionKeyBytes(first.partitionKey);
    return size <= this.maxBytes && entryBytes <= MAX_RECORD_BYTES ? entryBytes : undefined;
  }

  get bytes(): number {
    const first = this.records[0];
    return first ? this.builder.sizeBytes + partitionKeyBytes(first.partitionKey) : 0;
  }

  add(record: PendingRecord): void {
    this.builder.add(record);
    this.records.push(record);
  }

  seal(): Entry {
    const first = this.records[0] as PendingRecord;
    if (this.records.length === 1) return plainEntry(this.shardId, first);
    const data = this.builder.build();
    return {
      shardId: this.shardId,
      records: this.records,
      aggregated: true,
      request: { Data: data, PartitionKey: first.partitionKey, ExplicitHashKey: first.hashKey.decimal() },
      bytes: data.byteLength + partitionKeyBytes(first.partitionKey),
    };
  }
}

/** Builds the next request; the keys it takes are marked in flight. Empty when nothing may go now. */
export function buildRequest(ctx: BuildContext): BuiltRequest {
  return ctx.aggregation ? buildAggregated(ctx, ctx.aggregation) : buildPlain(ctx);
}

/** Routes the front key's first record; defers the key when its shard is unknown or rate-limited. */
function routeFront(ctx: BuildContext, record: PendingRecord, out: BuiltRequest): string | undefined {
  const shardId = ctx.route(record.hashKey);
  if (shardId === undefined) {
    out.unroutable++;
    ctx.queues.deferFront(ctx.now + ctx.unroutableWaitMs);
    return undefined;
  }
  return shardId;
}

function buildPlain(ctx: BuildContext): BuiltRequest {
  const out: BuiltRequest = { entries: [], unroutable: 0 };
  let bytes = 0;
  while (out.entries.length < MAX_RECORDS_PER_REQUEST) {
    const head = ctx.queues.peekReady()?.pending.peek();
    if (!head) break;
    const shardId = routeFront(ctx, head, out);
    if (shardId === undefined) continue;
    if (!ctx.limiter.canSend(shardId)) {
      ctx.queues.deferFront(ctx.now + ctx.limiter.waitMs(shardId));
      continue;
    }
    if (bytes + head.bytes > MAX_REQUEST_BYTES) break;
    ctx.queues.takeFront(1);
    ctx.limiter.take(shardId, head.bytes);
    out.entries.push(plainEntry(shardId, head));
    bytes += head.bytes;
  }
  return out;
}

function buildAggregated(ctx: BuildContext, limits: { maxBytes: number; maxRecords: number }): BuiltRequest {
  const out: BuiltRequest = { entries: [], unroutable: 0 };
  const open = new Map<string, OpenAggregate>();
  let sealedBytes = 0;
  let openBytes = 0;
  const seal = (agg: OpenAggregate): void => {
    open.delete(agg.shardId);
    openBytes -= agg.bytes;
    const entry = agg.seal();
    ctx.limiter.take(agg.shardId, entry.bytes);
    out.entries.push(entry);
    sealedBytes += entry.bytes;
  };
  for (;;) {
    const key = ctx.queues.peekReady();
    const head = key?.pending.peek();
    if (!key || !head) break;
    const shardId = routeFront(ctx, head, out);
    if (shardId === undefined) continue;
    let agg = open.get(shardId);
    if (!agg) {
      if (out.entries.length + open.size >= MAX_RECORDS_PER_REQUEST) break;
      if (!ctx.limiter.canSend(shardId)) {
        ctx.queues.deferFront(ctx.now + ctx.limiter.waitMs(shardId));
        continue;
      }
      agg = new OpenAggregate(shardId, limits.maxBytes, limits.maxRecords);
      open.set(shardId, agg);
    }
    // As many of the key's records, in order, as fit this aggregate and the request.
    let taken = 0;
    for (let record = key.pending.at(0); record; record = key.pending.at(taken)) {
      if (record.hashKey !== head.hashKey && ctx.route(record.hashKey) !== shardId) break; // another explicit hash key
      const entryBytes = agg.bytesWith(record);
      if (entryBytes === undefined) break;
      if (sealedBytes + openBytes - agg.bytes + entryBytes > MAX_REQUEST_BYTES) break;
      openBytes += entryBytes - agg.bytes;
      agg.add(record);
      taken++;
    }
    if (taken > 0) {
      ctx.queues.takeFront(taken);
      continue;
    }
    if (agg.records.length > 0) {
      seal(agg); // the key's first record does not fit: close this one, the key starts the next
      continue;
    }
    open.delete(shardId);
    // An empty aggregate that cannot take the record: the request is full, or the record is too
    // large for any aggregate and goes alone, as a plain record.
    if (agg.bytesWith(head) !== undefined) break;
    if (sealedBytes + openBytes + head.bytes > MAX_REQUEST_BYTES) break;
    ctx.queues.takeFront(1);
    ctx.limiter.take(shardId, head.bytes);
    out.entries.push(plainEntry(shardId, head));
    sealedBytes += head.bytes;
  }
  for (const agg of [...open.values()]) {
    if (agg.records.length > 0) seal(agg);
  }
  return out;
}
