/** `ksp dlq peek | replay | status | stop`: look at a dead-letter queue and replay it under control. */
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  dlqReplayHandle,
  orderedReplayProblem,
  peekDlq,
  queueDepth,
  startDlqReplay,
  stopDlqReplay,
  validateReplayTargets,
} from '../../client/dlq-control';
import { closestName } from '../../config/checks';
import { formatDlqPeek } from '../../dlq/describe';
import { compileDlqReplayOptions } from '../../config/replay-options';
import { type DlqReplayResult, dlqReplayProgressQuery } from '../../workflows/dlq-replay-messages';
import { REPLAY_CONFIG, readConfigFile } from '../config-file';
import type { CliContext } from '../context';
import { compileFromCli } from '../flag-errors';
import { AWS_ENV, TEMPORAL_ENV, helpFooter } from '../help';
import { formatReplayBar, formatReplayCounts, formatReplaySummary } from '../render-dlq';
import { UsageError, intFlag, parse } from '../usage';
import { releaseReplayedKeys } from '../../client/quarantine-release';
import { TargetError } from '../../client/stream-control';
import { replayOptionsFromFlags, requireQueue } from './dlq-flags';

export const DLQ_HELP = `Usage: ksp dlq <peek|replay|status|stop> <queue-url> [options]

  peek <queue-url> [--max N] [--json]
      Lists up to N (default 10) messages and leaves them in the queue: stream/shard, condition and
      error, tries, record count, when dead-lettered, and the first record's data. Messages a replay
      cannot read (foreign JSON, garbage, another envelope version) are flagged with !!.

  replay <queue-url> [options]
      Replays the queue through the DLQ replay workflow (a \`ksp worker\` must run on the task queue).
      Deletes only what succeeded; a failure is tried again later, then parked.
      --mode handler|reput       re-run the worker's handler (default), or put the records back into a stream
      --stream <name>            reput: the target stream (default: each message's own stream)
      --error-type <type>        only messages with this error type (repeatable)
      --source-stream <name>     only messages from this stream (repeatable)
      --shard <shardId>          only messages from this shard (repeatable)
      --since <time>, --until <time>  only messages dead-lettered in [since, until), ISO-8601
      --partition-key <key>      only these records (repeatable), in their original order; the others go
                                 back to the queue. When all succeeded, the keys leave the quarantine
      --rate <n>                 at most n records per second
      --max <n>                  stop after n messages
      --max-tries <n>            tries per message before it is parked (default 3)
      --parking-queue <url>      where messages go after their last try (default: left in the queue)
      --park-unreadable          also park messages that are not ksp envelopes
      --grace <duration>         complete once the queue stayed empty this long (default 20s)
      --dry-run                  receive, parse, filter and count; change nothing
      --detach                   start and return at once (follow with \`ksp dlq status\`)
      --config <file.json>       any DlqReplayOptions as JSON; flags override it
      --json                     print the result as JSON (the progress bar goes to stderr)

  status <queue-url> [--json]    progress of the replay of this queue (running or ended)
  stop <queue-url> [--wait] [--json]   finish the message in hand, release held messages and end

Temporal CLI: temporal workflow query --workflow-id 'ksp:dlq-replay:<queue-url>' --type progress
${helpFooter(TEMPORAL_ENV, AWS_ENV)}`;

async function peek(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('dlq peek', argv, {
    max: { type: 'string' },
    json: { type: 'boolean' },
  });
  const queueUrl = requireQueue('peek', positionals);
  const max = intFlag('max', values.max, 1, 1_000) ?? 10;
  const summaries = await peekDlq(ctx.sqs(), queueUrl, max);
  console.log(values.json ? JSON.stringify(summaries, null, 2) : formatDlqPeek(queueUrl, summaries));
}

/** Follows a running replay: a redrawn bar on a terminal, a line every few seconds otherwise. */
async function follow(
  handle: ReturnType<typeof dlqReplayHandle>,
  total: number | null,
  startedAt: number,
): Promise<DlqReplayResult | null> {
  const tty = process.stderr.isTTY === true;
  let detached = false;
  const onInterrupt = (): void => {
    detached = true;
  };
  process.once('SIGINT', onInterrupt);
  const result = handle.result().then(
    (r) => ({ ok: true as const, r }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  let lastLine = 0;
  try {
    for (;;) {
      const settled = await Promise.race([
        result,
        new Promise<null>((r) => setTimeout(() => r(null), tty ? 250 : 1000)),
      ]);
      if (settled !== null) {
        if (tty) process.stderr.write('\r\x1b[2K');
        if (!settled.ok) throw settled.err;
        return settled.r;
      }
      if (detached) {
        if (tty) process.stderr.write('\n');
        console.error(
          `still running: \`ksp dlq status ${handle.workflowId.replace(/^ksp:dlq-replay:/, '')}\`, or \`ksp dlq stop …\``,
        );
        return null;
      }
      const progress = await handle.query(dlqReplayProgressQuery).catch(() => null);
      if (!progress) continue;
      const elapsed = Date.now() - startedAt;
      if (tty) process.stderr.write(`\r\x1b[2K${formatReplayBar(progress, total, elapsed, 24)}`);
      else if (Date.now() - lastLine >= 5_000) {
        lastLine = Date.now();
        console.error(formatReplayBar(progress, total, elapsed));
      }
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
}

async function replay(ctx: CliContext, argv: string[]): Promise<void> {
  const flags = replayOptionsFromFlags(argv, (path) => readConfigFile(path, REPLAY_CONFIG));
  const options = compileFromCli(() => compileDlqReplayOptions(flags.options), flags.origin);
  const depth = await validateReplayTargets({ sqs: ctx.sqs(), kinesis: ctx.kinesis() }, options);
  const unordered = orderedReplayProblem(options, depth);
  if (unordered) throw new TargetError(unordered, false);
  const client = await ctx.temporal();
  const startedAt = Date.now();
  // The options as written, checked above for a fast error; the workflow compiles them itself.
  const handle = await startDlqReplay(client, ctx.temporalConfig().taskQueue, flags.options);
  const total = options.maxMessages === null ? depth.visible : Math.min(options.maxMessages, depth.visible);
  const started = `${options.dryRun ? 'dry run of' : 'replaying'} ${options.queueUrl} (${depth.visible} visible, ${depth.inFlight} in flight), mode ${options.mode}: workflow ${handle.workflowId}`;
  if (flags.detach) {
    const result = { queueUrl: options.queueUrl, workflowId: handle.workflowId, depth };
    console.log(flags.json ? JSON.stringify(result, null, 2) : started);
    return;
  }
  console.error(started);
  const result = await follow(handle, total, startedAt);
  if (!result) return;
  // A message that came back delayed or in flight since the start could hold a record of the key.
  const after =
    options.filters.partitionKeys.length > 0 ? await queueDepth(ctx.sqs(), options.queueUrl) : null;
  const heldBack = after && orderedReplayProblem(options, after);
  if (heldBack) console.error(`not released: ${heldBack}`);
  const released = heldBack ? [] : await releaseReplayedKeys(client, options, result);
  if (released.length > 0 && !flags.json)
    console.error(
      `released ${options.filters.partitionKeys.join(', ')} in ${released.map((r) => r.shardId).join(', ')}`,
    );
  console.log(
    flags.json
      ? JSON.stringify({ workflowId: handle.workflowId, ...result }, null, 2)
      : formatReplaySummary(result.end, result.progress, Date.now() - startedAt),
  );
}

async function status(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('dlq status', argv, { json: { type: 'boolean' } });
  const queueUrl = requireQueue('status', positionals);
  const handle = dlqReplayHandle(await ctx.temporal(), queueUrl);
  let described;
  try {
    described = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError)
      throw new UsageError(`no replay of ${queueUrl} has run (\`ksp dlq replay ${queueUrl}\`)`);
    throw err;
  }
  const progress = await handle.query(dlqReplayProgressQuery);
  if (values.json) {
    console.log(JSON.stringify({ workflowStatus: described.status.name, ...progress }, null, 2));
    return;
  }
  console.log(
    `replay of ${queueUrl}: ${progress.state}${progress.dryRun ? ' (dry run)' : ''}, workflow ${described.status.name.toLowerCase()}, mode ${progress.mode}, run ${progress.run}, started ${progress.startedAt}`,
  );
  console.log(`  ${formatReplayCounts(progress)}`);
  if (progress.lastError)
    console.log(`  last failure: ${progress.lastError.type}: ${progress.lastError.message}`);
}

async function stop(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('dlq stop', argv, {
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const queueUrl = requireQueue('stop', positionals);
  const handle = dlqReplayHandle(await ctx.temporal(), queueUrl);
  let progress;
  try {
    progress = await stopDlqReplay(handle);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new UsageError(`no replay of ${queueUrl} is running`);
    throw err;
  }
  const counts = progress ? ` (${formatReplayCounts(progress)})` : '';
  const sent = `stop sent to the replay of ${queueUrl}: it finishes the message in hand and ends${counts}`;
  const ack = { queueUrl, workflowId: handle.workflowId, sent: 'stop', ...(progress ? { progress } : {}) };
  if (!values.wait) {
    console.log(values.json ? JSON.stringify(ack, null, 2) : sent);
    return;
  }
  console.error(`${sent}; waiting …`);
  const result = await handle.result();
  console.log(
    values.json
      ? JSON.stringify({ ...ack, ...result }, null, 2)
      : formatReplaySummary(
          result.end,
          result.progress,
          Date.parse(result.progress.updatedAt) - Date.parse(result.progress.startedAt),
        ),
  );
}

const SUBCOMMANDS: Record<string, (ctx: CliContext, argv: string[]) => Promise<void>> = {
  peek,
  replay,
  status,
  stop,
};

export async function dlqCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const run = sub ? SUBCOMMANDS[sub] : undefined;
  if (!run) {
    const near = sub ? closestName(sub, Object.keys(SUBCOMMANDS)) : undefined;
    throw new UsageError(
      `${sub ? `unknown subcommand "${sub}"${near ? ` (did you mean ${near}?)` : ''}` : 'missing subcommand'}: use peek, replay, status or stop. See \`ksp dlq --help\`.`,
    );
  }
  await run(ctx, rest);
}
