/**
 * Fixtures of the DLQ benchmark (src/bench/dlq.ts): queues seeded with envelopes, a plain
 * receive-and-delete loop (the baseline), streams holding one batch with a poison record, and the
 * worker's handler that counts and fails.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { buildDlqMessages, parseDlqMessage } from '../src/dlq/envelope';
import type { BatchHandler } from '../src/handler/contract';
import { type KinesisRecord, idempotencyKey } from '../src/records';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitUntil(
  what: string,
  test: () => boolean | Promise<boolean>,
  timeoutMs = 600_000,
): Promise<void> {
  const started = Date.now();
  while (!(await test())) {
    if (Date.now() - started > timeoutMs) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** `count` DLQ messages of `perMessage` records each, sent 10 per request, 8 requests at a time. */
export async function seedQueue(
  sqs: SQSClient,
  queueUrl: string,
  count: number,
  perMessage: number,
  bytes: number,
): Promise<void> {
  const bodies: string[] = [];
  for (let m = 0; m < count; m++) {
    const records: KinesisRecord[] = Array.from({ length: perMessage }, (_, i) => {
      const sequenceNumber = `4959${String(m * perMessage + i + 1).padStart(52, '0')}`;
      return {
        data: new Uint8Array(bytes).fill(97 + (i % 26)),
        partitionKey: `key-${(m * perMessage + i) % 100}`,
        sequenceNumber,
        approximateArrivalTimestamp: new Date(),
        shardId: 'shardId-000000000000',
        streamName: 'bench-source',
        idempotencyKey: idempotencyKey('shardId-000000000000', sequenceNumber),
      };
    });
    const [message] = buildDlqMessages(
      {
        streamName: 'bench-source',
        shardId: 'shardId-000000000000',
        records,
        streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench-source',
        condition: 'RetryAttemptsExhausted',
        error: { type: 'PoisonError', message: 'bench' },
        attempts: 3,
        handler: 'bench',
      },
      { maxMessageBytes: 262_144 },
    );
    if (message) bodies.push(message.body);
  }
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) batches.push(bodies.slice(i, i + 10));
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map((batch) =>
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((MessageBody, j) => ({ Id: String(j), MessageBody })),
          }),
        ),
      ),
    );
  }
}

/** The baseline: one loop receiving 10 and deleting them in a batch, as the replay does, without Temporal. */
export async function plainLoop(sqs: SQSClient, queueUrl: string, count: number): Promise<number> {
  const started = Date.now();
  let done = 0;
  while (done < count) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const messages = out.Messages ?? [];
    for (const m of messages) JSON.parse(m.Body ?? '{}');
    if (messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    done += messages.length;
  }
  return Date.now() - started;
}

export async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (!out.QueueUrl) throw new Error(`CreateQueue ${name} returned no URL`);
  return out.QueueUrl;
}

export async function createStream(kinesis: KinesisClient, name: string): Promise<string> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  await waitUntil(`stream ${name}`, async () => {
    const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    return out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE';
  });
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  return shards.Shards?.[0]?.ShardId ?? 'shardId-000000000000';
}

export async function putBatch(
  kinesis: KinesisClient,
  stream: string,
  count: number,
  poisonAt: number | null,
): Promise<void> {
  for (let i = 0; i < count; i += 500) {
    const entries = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
      Data: new TextEncoder().encode(JSON.stringify({ n: i + j, poison: i + j === poisonAt })),
      PartitionKey: `key-${(i + j) % 100}`,
    }));
    const out = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    if (out.FailedRecordCount) throw new Error(`bench: ${out.FailedRecordCount} records not put`);
  }
}

/** Records in the DLQ messages now visible (each received once, hidden for a minute). */
export async function countDlqRecords(sqs: SQSClient, queueUrl: string): Promise<number> {
  let records = 0;
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
      }),
    );
    if (!out.Messages?.length) return records;
    for (const m of out.Messages) {
      const parsed = parseDlqMessage(m.Body ?? '');
      if (parsed.ok) records += parsed.envelope.KinesisBatchInfo.batchSize;
    }
  }
}

/** A gap between two handler calls longer than this counts as a stall (a batch takes ~3 ms). */
const STALL_MS = 50;

/** One decoder for every call: constructing a TextDecoder per record was most of this handler's CPU. */
const utf8 = new TextDecoder();

/**
 * The worker's handler: counts replayed records, and in a bisect run throws on any batch holding
 * the poison record. The poison scan (a UTF-8 decode of every record) is on only for the bisect
 * runs: in a throughput run it was handler work on the replay side that the receive-and-delete
 * loop it is measured against does not do.
 */
export class BenchHandler {
  /** Look for the poison record in every batch (bisect runs). */
  scanForPoison = true;
  replayed = 0;
  lastReplayAt = 0;
  /** Gaps of more than STALL_MS between two replayed batches, and their total (reset per run). */
  stalls = { count: 0, ms: 0 };
  calls = 0;
  confirmed = 0;
  /** Handler calls, time and shard reads when the poison record first came alone. */
  isolated: { calls: number; at: number; reads: number } | null = null;

  constructor(private readonly reads: () => number) {}

  readonly handler: BatchHandler = async (records) => {
    this.calls++;
    if (this.scanForPoison && records.some((r) => utf8.decode(r.data).endsWith('"poison":true}'))) {
      if (records.length === 1 && this.isolated === null)
        this.isolated = { calls: this.calls, at: Date.now(), reads: this.reads() };
      const error = new Error('poison record');
      error.name = 'PoisonError';
      throw error;
    }
    this.replayed += records.length;
    this.confirmed += records.length;
    const now = Date.now();
    if (this.lastReplayAt > 0 && now - this.lastReplayAt > STALL_MS) {
      if (process.env.KSP_BENCH_TRACE)
        console.error(`stall ${now - this.lastReplayAt} ms until ${new Date(now).toISOString()}`);
      this.stalls.count++;
      this.stalls.ms += now - this.lastReplayAt;
    }
    this.lastReplayAt = now;
  };
}
