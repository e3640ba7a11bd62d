/** `ksp start | status | pause | resume | stop`: operate the stream workflow of one stream. */
import {
  pauseStream,
  resumeStream,
  startStream,
  stopStream,
  streamHandle,
  liveStreamStatus,
  validateTarget,
} from '../../client/stream-control';
import { resolvedRegion } from '../../aws/clients';
import { ConfigError } from '../../errors';
import {
  type StartPosition,
  type StreamProcessorOptions,
  compileStreamOptions,
} from '../../config/stream-options';
import type { CliContext } from '../context';
import { formatStreamStatus } from '../render-status';
import { UsageError, intFlag, listFlag, parse, readConfigFile, requireStream, stringFlag } from '../usage';

export const START_HELP = `Usage: ksp start <stream> [options]
Starts consuming <stream> (idempotent: an already running stream is left as it is).
  --dlq <queue-url>          SQS queue for records whose retries are exhausted
  --start-position <pos>     TRIM_HORIZON (default) | LATEST | AT_TIMESTAMP=<ISO time>
  --batch-size <n>           records per batch, 1–10000 (default 100)
  --max-attempts <n>         handler attempts before the DLQ; 0 retries forever (default 3)
  --poll-wait <duration>     long-poll window of an idle shard (default 5m)
  --batching-window <dur>    after records arrive, keep polling up to this long to fill the batch (default 0)
  --bisect                   halve a failing batch to isolate the bad record (Lambda's BisectBatchOnFunctionError)
  --max-record-age <dur>     records older than this go to the DLQ unhandled (default: never)
  --non-retryable <type>     handler error name/type sent to the DLQ without retries (repeatable)
  --config <file.json>       any StreamProcessorOptions as JSON; flags override it
Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, KSP_TASK_QUEUE, AWS_REGION, AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_SQS`;

/** Parses `--start-position`. */
export function parseStartPosition(value: string): StartPosition {
  if (value === 'TRIM_HORIZON' || value === 'LATEST') return { type: value };
  const at = /^AT_TIMESTAMP[=:](.+)$/.exec(value);
  if (at?.[1]) return { type: 'AT_TIMESTAMP', timestamp: at[1] };
  throw new ConfigError(
    '--start-position',
    `${JSON.stringify(value)} is not a start position: use TRIM_HORIZON, LATEST or AT_TIMESTAMP=2026-11-26T08:00:00Z`,
  );
}

export function optionsFromFlags(argv: string[]): StreamProcessorOptions {
  const { values, positionals } = parse('start', argv, {
    dlq: { type: 'string' },
    'start-position': { type: 'string' },
    'batch-size': { type: 'string' },
    'max-attempts': { type: 'string' },
    'poll-wait': { type: 'string' },
    'batching-window': { type: 'string' },
    bisect: { type: 'boolean' },
    'max-record-age': { type: 'string' },
    'non-retryable': { type: 'string', multiple: true },
    config: { type: 'string' },
  });
  const streamName = requireStream('start', positionals);
  const file: Partial<StreamProcessorOptions> = stringFlag(values.config)
    ? readConfigFile(stringFlag(values.config) as string, 'stream options')
    : {};
  const batchSize = intFlag('batch-size', values['batch-size'], 1, 10_000);
  const maxAttempts = intFlag('max-attempts', values['max-attempts'], 0, 10_000);
  const position = stringFlag(values['start-position']);
  const nonRetryable = listFlag(values['non-retryable']);
  const retry = {
    ...file.retry,
    ...(maxAttempts !== undefined ? { maximumAttempts: maxAttempts } : {}),
    ...(nonRetryable.length > 0 ? { nonRetryableErrorTypes: nonRetryable } : {}),
  };
  return {
    ...file,
    streamName,
    ...(position ? { startPosition: parseStartPosition(position) } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(stringFlag(values['poll-wait']) ? { maxPollWait: stringFlag(values['poll-wait']) } : {}),
    ...(stringFlag(values.dlq) ? { dlqQueueUrl: stringFlag(values.dlq) } : {}),
    ...(stringFlag(values['batching-window'])
      ? { maxBatchingWindow: stringFlag(values['batching-window']) }
      : {}),
    ...(values.bisect ? { bisectBatchOnError: true } : {}),
    ...(stringFlag(values['max-record-age'])
      ? { maximumRecordAge: stringFlag(values['max-record-age']) }
      : {}),
    ...(Object.keys(retry).length > 0 ? { retry } : {}),
  };
}

export async function startCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const options = compileStreamOptions(optionsFromFlags(argv));
  const aws = ctx.awsConfig();
  await validateTarget(
    {
      kinesis: ctx.kinesis(),
      sqs: ctx.sqs(),
      region: await resolvedRegion(ctx.kinesis()),
      ...(aws.kinesis.endpoint ? { kinesisEndpoint: aws.kinesis.endpoint } : {}),
      ...(aws.sqs.endpoint ? { sqsEndpoint: aws.sqs.endpoint } : {}),
    },
    options,
  );
  const client = await ctx.temporal();
  const { handle, alreadyRunning } = await startStream(client, ctx.temporalConfig().taskQueue, { options });
  console.log(
    alreadyRunning
      ? `stream ${options.streamName} is already being consumed (workflow ${handle.workflowId}); left as it is`
      : `started workflow ${handle.workflowId} for stream ${options.streamName}`,
  );
}

export async function statusCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('status', argv, { json: { type: 'boolean' } });
  const stream = requireStream('status', positionals);
  const status = await liveStreamStatus(await ctx.temporal(), stream).catch((err: Error) => {
    throw new UsageError(
      `no status for stream ${stream}: ${err.message}. Is it started (\`ksp start ${stream}\`) and a worker running?`,
    );
  });
  console.log(values.json ? JSON.stringify(status, null, 2) : formatStreamStatus(status));
}

export async function pauseCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('pause', argv, { reason: { type: 'string' } });
  const stream = requireStream('pause', positionals);
  const reason = stringFlag(values.reason);
  await pauseStream(await ctx.temporal(), stream, reason ? { reason } : {});
  console.log(`pause sent to ${stream}: every shard stops after its batch in flight`);
}

export async function resumeCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { positionals } = parse('resume', argv, {});
  const stream = requireStream('resume', positionals);
  await resumeStream(await ctx.temporal(), stream);
  console.log(`resume sent to ${stream}`);
}

export async function stopCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('stop', argv, { wait: { type: 'boolean' } });
  const stream = requireStream('stop', positionals);
  const client = await ctx.temporal();
  await stopStream(client, stream);
  console.log(`stop sent to ${stream}: shards drain their batch in flight and keep their checkpoints`);
  if (values.wait) {
    const result = await streamHandle(client, stream).result();
    console.log(JSON.stringify(result, null, 2));
  }
}
