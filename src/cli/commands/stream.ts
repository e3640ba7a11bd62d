/** `ksp start <stream>`: check the target, then start the stream workflow (idempotently). */
import { TargetError, startStream, validateTarget } from '../../client/stream-control';
import { recordedIdentityProblem, resetStream } from '../../client/stream-reset';
import { KinesisClientPool } from '../../aws/client-pool';
import { resolvedRegion } from '../../aws/clients';
import { ConfigError } from '../../errors';
import {
  type StartPosition,
  type StreamProcessorOptions,
  compileStreamOptions,
} from '../../config/stream-options';
import { STREAM_CONFIG, readConfigFile } from '../config-file';
import type { CliContext } from '../context';
import { type FlagFields, type OptionOrigin, compileFromCli, originOf } from '../flag-errors';
import { AWS_ENV, TEMPORAL_ENV, helpFooter } from '../help';
import { intFlag, listFlag, parse, requireStream, stringFlag } from '../usage';

export const START_HELP = `Usage: ksp start <stream> [options]
Starts consuming <stream> (idempotent: an already running stream is left as it is).
<stream> is a stream name (in AWS_REGION) or a stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>).
  --dlq <queue-url>          SQS queue for records whose retries are exhausted
  --start-position <pos>     TRIM_HORIZON (default) | LATEST | AT_TIMESTAMP=<ISO time>
  --batch-size <n>           records per batch, 1–10000 (default 100)
  --max-attempts <n>         handler attempts before the DLQ; 0 retries forever (default 3)
  --poll-wait <duration>     long-poll window of an idle shard, 1s–1h (default 5m)
  --batching-window <dur>    after records arrive, keep polling up to this long to fill the batch (default 0)
  --bisect                   halve a failing batch to isolate the bad record (Lambda's BisectBatchOnFunctionError)
  --max-record-age <dur>     records older than this go to the DLQ unhandled (default: never)
  --non-retryable <type>     handler error name/type sent to the DLQ without retries (repeatable)
  --role-arn <arn>           IAM role to assume for this stream's Kinesis calls (cross-account)
  --efo-consumer <name>      read by enhanced fan-out through the stream consumer <name>
                             (registered if missing; default: GetRecords polling)
  --reset                    discard every checkpoint of <stream> (delete its workflows), then start
                             from the start position: the fix for a stream deleted and recreated
  --parallelization <n>      concurrent handler calls per shard, records split by partition key, 1–100 (default 1)
  --quarantine-keys          after a record is dead-lettered, hold its key's later records in the DLQ too, in order
  --max-quarantined-keys <n> keys a shard may hold in quarantine before it pauses (default 100)
  --config <file.json>       any StreamProcessorOptions as JSON; flags override it
  --json                     print the result as JSON
Durations take a unit: 500ms, 10s, 5m, 1h, 7d. Numbers are whole and decimal: 1000, not 1e3.
${helpFooter(TEMPORAL_ENV, AWS_ENV)}`;

/** Which flag sets which option, for errors in the user's terms. */
const START_FLAGS: FlagFields = {
  dlqQueueUrl: '--dlq',
  startPosition: '--start-position',
  batchSize: '--batch-size',
  'retry.maximumAttempts': '--max-attempts',
  maxPollWait: '--poll-wait',
  maxBatchingWindow: '--batching-window',
  bisectBatchOnError: '--bisect',
  maximumRecordAge: '--max-record-age',
  'retry.nonRetryableErrorTypes': '--non-retryable',
  roleArn: '--role-arn',
  parallelization: '--parallelization',
  quarantineKeys: '--quarantine-keys',
  maxQuarantinedKeys: '--max-quarantined-keys',
  consumer: '--efo-consumer',
  'consumer.name': '--efo-consumer',
};

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

/** The options of `ksp start`, where they came from, and whether to print JSON. */
export function optionsFromFlags(argv: string[]): {
  options: StreamProcessorOptions;
  origin: OptionOrigin;
  json: boolean;
  reset: boolean;
} {
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
    parallelization: { type: 'string' },
    'quarantine-keys': { type: 'boolean' },
    'max-quarantined-keys': { type: 'string' },
    config: { type: 'string' },
    json: { type: 'boolean' },
    'role-arn': { type: 'string' },
    'efo-consumer': { type: 'string' },
    reset: { type: 'boolean' },
  });
  const streamName = requireStream('start', positionals);
  const configPath = stringFlag(values.config);
  const file = configPath ? readConfigFile(configPath, STREAM_CONFIG) : undefined;
  const given: Partial<StreamProcessorOptions> = file ?? {};
  const batchSize = intFlag('batch-size', values['batch-size'], 1, 10_000);
  const maxAttempts = intFlag('max-attempts', values['max-attempts'], 0, 10_000);
  const parallelization = intFlag('parallelization', values.parallelization, 1, 100);
  const maxQuarantinedKeys = intFlag('max-quarantined-keys', values['max-quarantined-keys'], 1, 1_000);
  const position = stringFlag(values['start-position']);
  const nonRetryable = listFlag(values['non-retryable']);
  const efoConsumer = stringFlag(values['efo-consumer']);
  const retry = {
    ...given.retry,
    ...(maxAttempts !== undefined ? { maximumAttempts: maxAttempts } : {}),
    ...(nonRetryable.length > 0 ? { nonRetryableErrorTypes: nonRetryable } : {}),
  };
  const set = <K extends keyof StreamProcessorOptions>(
    key: K,
    value: StreamProcessorOptions[K] | undefined,
  ) => (value === undefined ? {} : { [key]: value });
  const options: StreamProcessorOptions = {
    ...given,
    streamName,
    ...set('startPosition', position === undefined ? undefined : parseStartPosition(position)),
    ...set('batchSize', batchSize),
    ...set('maxPollWait', stringFlag(values['poll-wait'])),
    ...set('dlqQueueUrl', stringFlag(values.dlq)),
    ...set('maxBatchingWindow', stringFlag(values['batching-window'])),
    ...(values.bisect ? { bisectBatchOnError: true } : {}),
    ...set('maximumRecordAge', stringFlag(values['max-record-age'])),
    ...set('roleArn', stringFlag(values['role-arn'])),
    ...set('parallelization', parallelization),
    ...(values['quarantine-keys'] ? { quarantineKeys: true } : {}),
    ...set('maxQuarantinedKeys', maxQuarantinedKeys),
    ...set('consumer', efoConsumer === undefined ? undefined : { type: 'efo', name: efoConsumer }),
    ...(Object.keys(retry).length > 0 ? { retry } : {}),
  };
  const origin = originOf(
    START_FLAGS,
    values,
    configPath && file ? { path: configPath, value: file } : undefined,
  );
  return { options, origin, json: values.json === true, reset: values.reset === true };
}

export async function startCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const flags = optionsFromFlags(argv);
  const options = compileFromCli(() => compileStreamOptions(flags.options), flags.origin);
  const aws = ctx.awsConfig();
  const pool = new KinesisClientPool({
    base: aws.kinesis,
    defaultClient: ctx.kinesis(),
    ...(aws.stsEndpoint ? { stsEndpoint: aws.stsEndpoint } : {}),
  });
  const kinesis = pool.forStream(options.streamName, options.roleArn);
  const target = await validateTarget(
    {
      kinesis,
      sqs: ctx.sqs(),
      region: await resolvedRegion(kinesis),
      ...(aws.kinesis.endpoint ? { kinesisEndpoint: aws.kinesis.endpoint } : {}),
      ...(aws.sqs.endpoint ? { sqsEndpoint: aws.sqs.endpoint } : {}),
    },
    options,
  );
  const client = await ctx.temporal();
  const reset = flags.reset ? await resetStream(client, options.streamName) : null;
  if (reset && !flags.json) {
    console.log(
      `reset ${options.streamName}: deleted ${reset.deleted.length} workflow execution(s) and their checkpoints`,
    );
  }
  const refused = reset ? null : await recordedIdentityProblem(client, options.streamName, target.identity);
  if (refused !== null) throw new TargetError(refused);
  // The options as written, checked above for a fast error: the workflow compiles them itself,
  // exactly as for `temporal workflow start --input '{"options": …}'`.
  const { handle, alreadyRunning } = await startStream(client, ctx.temporalConfig().taskQueue, {
    options: flags.options,
  });
  if (flags.json) {
    const result = {
      streamName: options.streamName,
      workflowId: handle.workflowId,
      alreadyRunning,
      ...(reset ? { reset: reset.deleted } : {}),
    };
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  console.log(
    alreadyRunning
      ? `stream ${options.streamName} is already being consumed (workflow ${handle.workflowId}); left as it is`
      : `started workflow ${handle.workflowId} for stream ${options.streamName}`,
  );
}
