/**
 * Enhanced fan-out consumers: register one (or reuse the one registered under that name), wait for
 * it to be ACTIVE, and deregistration is the CLI's (src/client/efo-consumer.ts).
 */
import {
  DescribeStreamConsumerCommand,
  type KinesisClient,
  RegisterStreamConsumerCommand,
} from '@aws-sdk/client-kinesis';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../errors';

export const EFO_UNSUPPORTED = ErrorType.EfoUnsupported;

function errorName(err: unknown): string {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : '';
}

/** The endpoint does not implement enhanced fan-out (kinesalite answers UnknownOperationException). */
export function isEfoUnsupported(err: unknown): boolean {
  const name = errorName(err);
  return name === 'UnknownOperationException' || name === 'InvalidAction' || name === 'UnknownOperation';
}

export function efoUnsupported(streamName: string, err: unknown): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `consumer: this Kinesis endpoint does not support enhanced fan-out (RegisterStreamConsumer on ${streamName} failed with ${errorName(err) || String(err)}). ` +
      'kinesalite has no enhanced fan-out: use the default polling consumer (remove `consumer`), or kinesis-local / AWS',
    EFO_UNSUPPORTED,
  );
}

export interface ConsumerWaitDeps {
  sleep(ms: number): Promise<void>;
  heartbeat(details: unknown): void;
}

async function describe(kinesis: KinesisClient, streamArn: string, name: string) {
  try {
    const out = await kinesis.send(
      new DescribeStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }),
    );
    return out.ConsumerDescription ?? null;
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return null;
    throw err;
  }
}

/** The ARN of the ACTIVE consumer `name` of the stream, registering it first when it is missing. */
export async function ensureConsumer(
  kinesis: KinesisClient,
  streamArn: string,
  name: string,
  deps: ConsumerWaitDeps,
): Promise<string> {
  for (let waited = 0; ; waited++) {
    const found = await describe(kinesis, streamArn, name);
    if (found?.ConsumerStatus === 'ACTIVE' && found.ConsumerARN) return found.ConsumerARN;
    if (found === null) {
      try {
        await kinesis.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
      } catch (err) {
        // Another worker registered it meanwhile: wait for it like for our own.
        if (errorName(err) !== 'ResourceInUseException') throw err;
      }
    }
    deps.heartbeat({ phase: 'efo-consumer', consumer: name, status: found?.ConsumerStatus ?? 'REGISTERING' });
    await deps.sleep(Math.min(500 * (waited + 1), 2_000));
  }
}
