/**
 * Emulator-backed helpers for activity tests: start a Kinesis backend, create streams and queues
 * with unique names, put records, read a queue back, and a client middleware that counts the
 * commands sent and injects the errors the emulators never produce (throttling, expiry).
 */
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  type KinesisClient,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createKinesisClient, createSqsClient } from '../../src/aws/clients';
import {
  type KinesisEmulator,
  type KinesisKind,
  LOCAL_AWS,
  startKinesalite,
  startKinesisLocal,
} from '../../src/local/kinesis-emulator';
import { getFreePort, retryPortRace } from '../../src/local/ports';
import { waitFor } from './wait';

export const BACKENDS: KinesisKind[] = ['kinesis-local', 'kinesalite'];

let nameCounter = 0;
/** A stream or queue name no other test (or earlier run against the same emulator) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now()}-${++nameCounter}`;
}

/** Starts a Kinesis emulator of `kind` on a free port (instant CREATING → ACTIVE). */
export function startKinesis(kind: KinesisKind): Promise<KinesisEmulator> {
  return retryPortRace(async () => {
    const port = await getFreePort();
    return kind === 'kinesis-local' ? startKinesisLocal({ port }) : startKinesalite({ port });
  });
}

export function kinesisClientFor(endpoint: string, maxAttempts?: number): KinesisClient {
  return createKinesisClient({
    region: LOCAL_AWS.region,
    credentials: { ...LOCAL_AWS.credentials },
    endpoint,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
  });
}

export function sqsClientFor(endpoint: string): SQSClient {
  return createSqsClient({ region: LOCAL_AWS.region, credentials: { ...LOCAL_AWS.credentials }, endpoint });
}

export async function waitForActive(kinesis: KinesisClient, streamName: string): Promise<void> {
  await waitFor(
    async () =>
      (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName })))
        .StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    { what: `stream ${streamName} ACTIVE`, intervalMs: 20 },
  );
}

/** Creates an ACTIVE stream and returns its shard ids in ListShards order. */
export async function createStream(
  kinesis: KinesisClient,
  streamName: string,
  shards = 1,
): Promise<string[]> {
  await kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  await waitForActive(kinesis, streamName);
  const out = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  return (out.Shards ?? []).map((s) => s.ShardId ?? '');
}

export async function deleteStreams(kinesis: KinesisClient, streamNames: readonly string[]): Promise<void> {
  for (const name of streamNames) {
    await kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
  }
}

export interface PutResult {
  data: Uint8Array;
  shardId: string;
  sequenceNumber: string;
}

/** Puts each payload with PutRecord, one after the other, so sequence numbers follow the list. */
export async function putRecords(
  kinesis: KinesisClient,
  streamName: string,
  payloads: ReadonlyArray<string | Uint8Array>,
  partitionKey = 'pk-1',
): Promise<PutResult[]> {
  const out: PutResult[] = [];
  for (const payload of payloads) {
    const data = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    const put = await kinesis.send(
      new PutRecordCommand({ StreamName: streamName, PartitionKey: partitionKey, Data: data }),
    );
    out.push({ data, shardId: put.ShardId ?? '', sequenceNumber: put.SequenceNumber ?? '' });
  }
  return out;
}

/** `record-<from>` … `record-<to - 1>`. */
export function payloads(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `record-${from + i}`);
}

export async function createQueue(sqs: SQSClient, queueName: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queueName }));
  if (!QueueUrl) throw new Error(`CreateQueue ${queueName} returned no QueueUrl`);
  return QueueUrl;
}

export async function deleteQueues(sqs: SQSClient, queueUrls: readonly string[]): Promise<void> {
  for (const url of queueUrls) await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
}

/** Receives (and deletes) every message now in the queue; returns their bodies. */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const out = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return bodies;
    for (const m of messages) {
      bodies.push(m.Body ?? '');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** A command as the spy saw it: name without `Command`, and when it was sent (Date.now()). */
export interface SentCommand {
  name: string;
  at: number;
}

interface Injection {
  name: string;
  error: () => Error;
  remaining: number;
  /** Sends of `name` to let through before the first injected error. */
  skip: number;
}

/**
 * Client middleware (initialize step, so before the SDK's own retries) that records every command
 * and fails chosen ones with a given error, as AWS would answer them.
 */
export class CommandSpy {
  readonly sent: SentCommand[] = [];
  private readonly injections: Injection[] = [];

  constructor(kinesis: KinesisClient) {
    kinesis.middlewareStack.add(
      (next, context) => async (args) => {
        const name = (context.commandName ?? '').replace(/Command$/, '');
        this.sent.push({ name, at: Date.now() });
        const injection = this.injections.find((i) => i.name === name && i.remaining > 0);
        if (injection) {
          if (injection.skip > 0) injection.skip--;
          else {
            injection.remaining--;
            throw injection.error();
          }
        }
        return next(args);
      },
      { step: 'initialize', name: 'commandSpy' },
    );
  }

  /** Fails the next `times` sends of `name` (after letting `skip` through) with `error()`. */
  inject(name: string, error: () => Error, times = 1, skip = 0): void {
    this.injections.push({ name, error, remaining: times, skip });
  }

  count(name: string): number {
    return this.sent.filter((c) => c.name === name).length;
  }

  times(name: string): number[] {
    return this.sent.filter((c) => c.name === name).map((c) => c.at);
  }

  reset(): void {
    this.sent.length = 0;
    this.injections.length = 0;
  }
}

export const throttled = (): Error =>
  new ProvisionedThroughputExceededException({
    message: 'Rate exceeded for shard (injected)',
    $metadata: { httpStatusCode: 400 },
  });

export const expiredIterator = (): Error =>
  new ExpiredIteratorException({
    message: 'The shard iterator has expired (injected)',
    $metadata: { httpStatusCode: 400 },
  });
