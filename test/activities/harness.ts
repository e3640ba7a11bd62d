/**
 * Runs the real activities (createActivities) in a MockActivityEnvironment against the emulators,
 * with a handler the test swaps per case and a CommandSpy on the Kinesis client.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { type DlqEnvelope, parseDlqMessage } from '../../src/dlq/envelope';
import type { ProcessBatchInput, ProcessBatchResult } from '../../src/activities/shard/process-batch';
import type { BatchHandler, HandlerContext } from '../../src/handler/contract';
import type { KinesisEmulator, KinesisKind } from '../../src/local/kinesis-emulator';
import { getFreePort } from '../../src/local/ports';
import { type SqsEmulator, startFauxqs } from '../../src/local/sqs-emulator';
import type { KinesisRecord } from '../../src/records';
import {
  CommandSpy,
  type PutResult,
  createQueue,
  createStream,
  deleteQueues,
  deleteStreams,
  drainQueue,
  kinesisClientFor,
  putRecords,
  sqsClientFor,
  startKinesis,
  uniqueName,
} from '../helpers/kinesis';

/** Nothing listens here: the SQS client of a harness built without fauxqs. */
const NO_SQS = 'http://127.0.0.1:1';

export interface HarnessOptions {
  kinesisEndpoint: string;
  sqsEndpoint?: string;
  /** SDK attempts per Kinesis call (default 3, as in production). */
  maxAttempts?: number;
}

export interface Started {
  env: MockActivityEnvironment;
  /** Every heartbeat's details, in order. */
  heartbeats: unknown[];
  result: Promise<ProcessBatchResult>;
}

export const decode = (data: Uint8Array): string => new TextDecoder().decode(data);

/** A DLQ message body as the envelope it must be. */
export function envelopeOf(body: string): DlqEnvelope {
  const parsed = parseDlqMessage(body);
  if (!parsed.ok) throw new Error(`DLQ message does not parse: ${parsed.reason}`);
  return parsed.envelope;
}

/** The sequence number of the `i`-th record put. */
export function sequenceAt(puts: readonly PutResult[], i: number): string {
  const put = puts[i];
  if (put === undefined) throw new Error(`no record ${i}: only ${puts.length} were put`);
  return put.sequenceNumber;
}

/** Default batch input: first delivery, TRIM_HORIZON, no long poll, no DLQ. */
export function batchInput(
  over: Partial<ProcessBatchInput> & Pick<ProcessBatchInput, 'streamName' | 'shardId'>,
): ProcessBatchInput {
  return {
    checkpoint: null,
    startPosition: { type: 'TRIM_HORIZON' },
    batchSize: 100,
    maxPollWaitMs: 0,
    idlePollIntervalMs: 200,
    attempt: 1,
    deadLetterOnFailure: false,
    dlqQueueUrl: null,
    ...over,
  };
}

export class ActivityHarness {
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  readonly spy: CommandSpy;
  readonly activities: ReturnType<typeof createActivities>;
  /** The batches the handler received, in order. */
  readonly batches: KinesisRecord[][] = [];
  readonly contexts: HandlerContext[] = [];
  /** What the handler does after recording its batch; the default succeeds. */
  behaviour: BatchHandler = async () => undefined;

  constructor(options: HarnessOptions) {
    this.kinesis = kinesisClientFor(options.kinesisEndpoint, options.maxAttempts);
    this.sqs = sqsClientFor(options.sqsEndpoint ?? NO_SQS);
    this.spy = new CommandSpy(this.kinesis);
    this.activities = createActivities({
      kinesis: this.kinesis,
      sqs: this.sqs,
      handler: (records, context) => {
        this.batches.push([...records]);
        this.contexts.push(context);
        return this.behaviour(records, context);
      },
      handlerName: 'test-handler',
    });
  }

  /** Starts one processBatch in its own environment (a cancelled environment stays cancelled). */
  start(input: ProcessBatchInput): Started {
    const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => heartbeats.push(details));
    return { env, heartbeats, result: env.run(this.activities.processBatch, input) };
  }

  async run(input: ProcessBatchInput): Promise<ProcessBatchResult> {
    return this.start(input).result;
  }

  /**
   * Calls processBatch from `input.checkpoint` until a call returns no records (or the shard ends),
   * carrying the checkpoint as the shard workflow does; returns every result.
   */
  async drain(input: ProcessBatchInput, maxCalls = 50): Promise<ProcessBatchResult[]> {
    const results: ProcessBatchResult[] = [];
    let checkpoint = input.checkpoint;
    for (let i = 0; i < maxCalls; i++) {
      const result = await this.run({ ...input, checkpoint });
      results.push(result);
      checkpoint = result.checkpoint;
      if (result.fetched === 0 || result.shardEnded) return results;
    }
    throw new Error(`drain: still reading after ${maxCalls} calls`);
  }

  /** Receives every message of a DLQ, as envelopes. */
  async dlqEnvelopes(queueUrl: string): Promise<DlqEnvelope[]> {
    return (await drainQueue(this.sqs, queueUrl)).map(envelopeOf);
  }

  /** Data of every record the handler received so far (failed deliveries too), as text, in order. */
  receivedData(): string[] {
    return this.batches.flat().map((r) => decode(r.data));
  }

  close(): void {
    this.kinesis.destroy();
    this.sqs.destroy();
  }
}

export interface StreamFixture {
  streamName: string;
  /** The first shard (the only one unless more were asked for). */
  shardId: string;
  shardIds: string[];
  puts: PutResult[];
}

/** What {@link useEmulators} gives a test file; read its fields inside hooks and tests only. */
export interface EmulatorSuite {
  readonly kinesis: KinesisEmulator;
  /** fauxqs; throws unless asked for with `sqs: true`. */
  readonly sqs: SqsEmulator;
  /** A fresh harness per test (fresh iterator cache, handler and spy). */
  readonly harness: ActivityHarness;
  /** Another harness (another worker, or other endpoints), closed after the test. */
  newHarness(options?: Partial<HarnessOptions>): ActivityHarness;
  /** A new ACTIVE stream (unique name, deleted after the file) holding `data`, put in order. */
  stream(prefix: string, data?: ReadonlyArray<string | Uint8Array>, shards?: number): Promise<StreamFixture>;
  /** A new fauxqs queue (unique name, deleted after the file); returns its URL. */
  queue(prefix: string): Promise<string>;
}

/**
 * Registers the hooks of an emulator-backed test file: one Kinesis emulator of `kind` (and fauxqs
 * when `sqs`) per file, a fresh harness per test, streams and queues removed before the emulators stop.
 */
export function useEmulators(kind: KinesisKind, { sqs = false }: { sqs?: boolean } = {}): EmulatorSuite {
  let kinesisEmulator: KinesisEmulator | undefined;
  let sqsEmulator: SqsEmulator | undefined;
  let current: ActivityHarness | undefined;
  const harnesses: ActivityHarness[] = [];
  const streams: string[] = [];
  const queues: string[] = [];

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not running: use it inside hooks and tests`);
    return value;
  };
  const newHarness = (options: Partial<HarnessOptions> = {}): ActivityHarness => {
    const harness = new ActivityHarness({
      kinesisEndpoint: started(kinesisEmulator, kind).endpoint,
      ...(sqsEmulator ? { sqsEndpoint: sqsEmulator.endpoint } : {}),
      ...options,
    });
    harnesses.push(harness);
    return harness;
  };

  beforeAll(async () => {
    [kinesisEmulator, sqsEmulator] = await Promise.all([
      startKinesis(kind),
      sqs ? getFreePort().then((port) => startFauxqs({ port })) : undefined,
    ]);
  });
  beforeEach(() => {
    current = newHarness();
  });
  afterEach(() => {
    for (const harness of harnesses.splice(0)) harness.close();
  });
  afterAll(async () => {
    const admin = newHarness();
    try {
      await deleteStreams(admin.kinesis, streams);
      await deleteQueues(admin.sqs, queues);
    } finally {
      admin.close();
      await Promise.all([kinesisEmulator?.stop(), sqsEmulator?.stop()]);
    }
  });

  return {
    get kinesis() {
      return started(kinesisEmulator, kind);
    },
    get sqs() {
      return started(sqsEmulator, 'fauxqs');
    },
    get harness() {
      return started(current, 'the harness');
    },
    newHarness,
    async stream(prefix, data = [], shards = 1) {
      const { kinesis } = started(current, 'the harness');
      const streamName = uniqueName(prefix);
      streams.push(streamName);
      const shardIds = await createStream(kinesis, streamName, shards);
      const puts = await putRecords(kinesis, streamName, data);
      return { streamName, shardId: shardIds[0] ?? '', shardIds, puts };
    },
    async queue(prefix) {
      const url = await createQueue(started(current, 'the harness').sqs, uniqueName(prefix));
      queues.push(url);
      return url;
    },
  };
}
