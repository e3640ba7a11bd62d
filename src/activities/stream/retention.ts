/**
 * How long the stream keeps records (DescribeStreamSummary's RetentionPeriodHours): a live seek
 * to a time before that window is refused (src/workflows/seek.ts), since Kinesis would silently
 * start at the oldest record left. Workflow Update validators cannot call activities, so the
 * seek Update handlers call this one before they move anything.
 */
import { DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { classifyAwsError } from '../../aws/classify';

/** Kinesis' default, used when a backend does not say (kinesalite omits nothing, but be safe). */
const DEFAULT_RETENTION_HOURS = 24;

export interface StreamRetention {
  retentionPeriodHours: number;
}

export function createStreamRetention(kinesis: KinesisClient) {
  return async function streamRetention(input: { streamName: string }): Promise<StreamRetention> {
    try {
      const out = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: input.streamName }));
      const hours = out.StreamDescriptionSummary?.RetentionPeriodHours;
      return {
        retentionPeriodHours: typeof hours === 'number' && hours > 0 ? hours : DEFAULT_RETENTION_HOURS,
      };
    } catch (err) {
      throw classifyAwsError(err, { operation: 'DescribeStreamSummary', streamName: input.streamName });
    }
  };
}
