/** `ksp stop --deregister-consumer`: removes a stream's enhanced fan-out consumer. */
import { DeregisterStreamConsumerCommand, type KinesisClient } from '@aws-sdk/client-kinesis';

/** Deregisters consumer `name`; false when it was not registered. */
export async function deregisterConsumer(
  kinesis: KinesisClient,
  streamArn: string,
  name: string,
): Promise<boolean> {
  try {
    await kinesis.send(new DeregisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: name }));
    return true;
  } catch (err) {
    if ((err as { name?: unknown } | null)?.name === 'ResourceNotFoundException') return false;
    throw err;
  }
}
