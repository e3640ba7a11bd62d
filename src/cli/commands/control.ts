/** `ksp status | pause | resume | stop <stream>`: ask or tell a running stream workflow. */
import {
  liveStreamStatus,
  pauseStream,
  resumeStream,
  stopStream,
  streamHandle,
} from '../../client/stream-control';
import { parseDuration } from '../../config/duration';
import { streamWorkflowId } from '../../constants';
import type { CliContext } from '../context';
import { TEMPORAL_ENV, helpFooter } from '../help';
import { formatStreamStatus } from '../render-status';
import { UsageError, parse, requireStream, stringFlag } from '../usage';
import { deregisterStreamConsumer } from './deregister-consumer';

const footer = helpFooter(TEMPORAL_ENV);

export const STATUS_HELP = `Usage: ksp status <stream> [--json] [--watch [<interval>]]
Every shard of the stream: state, checkpoint, records handled and dead-lettered, lag.
  --json                     print the status as JSON
  --watch [<interval>]       refresh the table in place every <interval> (default 2s) until Ctrl-C
Temporal CLI: temporal workflow query --workflow-id ksp:<stream> --type status
${footer}`;

export const PAUSE_HELP = `Usage: ksp pause <stream> [--reason <text>] [--json]
Every shard stops fetching after its batch in flight; checkpoints are kept. \`ksp resume\` continues.
  --reason <text>            shown by \`ksp status\` while paused
  --json                     print the result as JSON
Temporal CLI: temporal workflow update execute --workflow-id ksp:<stream> --name pause --input '{"reason": "<text>"}'
  (answers with the stream status; \`temporal workflow signal --name pause\` also works)
${footer}`;

export const RESUME_HELP = `Usage: ksp resume <stream> [--json]
Continues a paused stream from its checkpoints.
  --json                     print the result as JSON
Temporal CLI: temporal workflow update execute --workflow-id ksp:<stream> --name resume
  (answers with the stream status; \`temporal workflow signal --name resume\` also works)
${footer}`;

export const STOP_HELP = `Usage: ksp stop <stream> [--wait] [--deregister-consumer [--consumer <name>]] [--json]
Drains and stops: each shard finishes its batch in flight and keeps its checkpoint; a later
\`ksp start\` resumes from there.
  --wait                     wait until the stream workflow has ended and print its result
  --deregister-consumer      then (implies --wait) deregister the stream's enhanced fan-out consumer
                             (a later \`ksp start\` with it registers it again)
  --consumer <name>          the consumer to deregister (default: the stream's \`consumer\` option)
  --json                     print the result as JSON
Temporal CLI: temporal workflow update execute --workflow-id ksp:<stream> --name stop
  (answers with the stream status; \`temporal workflow signal --name stop\` also works)
${footer}`;

/** Prints a command's result: JSON, or the line for the terminal. */
function print(json: boolean, result: object, line: string): void {
  console.log(json ? JSON.stringify(result, null, 2) : line);
}

export async function statusCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('status', argv, {
    json: { type: 'boolean' },
    watch: { type: 'boolean' },
  });
  // `--watch 5s`: the interval, when given, is the positional after the stream.
  const [streamArg, intervalArg, ...extra] = positionals;
  const stream = requireStream(
    'status',
    [streamArg, ...extra].filter((p): p is string => p !== undefined),
  );
  const client = await ctx.temporal();
  const read = () =>
    liveStreamStatus(client, stream).catch((err: Error) => {
      throw new UsageError(
        `no status for stream ${stream}: ${err.message}. Is it started (\`ksp start ${stream}\`) and a worker running?`,
      );
    });
  const render = (status: Awaited<ReturnType<typeof read>>) =>
    values.json ? JSON.stringify(status, null, 2) : formatStreamStatus(status);
  if (!values.watch) {
    if (intervalArg !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(intervalArg)}`);
    console.log(render(await read()));
    return;
  }
  const intervalMs = intervalArg === undefined ? 2_000 : parseDuration(intervalArg);
  if (intervalMs === undefined || intervalMs < 500) {
    throw new UsageError(
      `--watch: ${JSON.stringify(intervalArg)} is not an interval of 500ms or more: use e.g. --watch 5s`,
    );
  }
  const stopped = new AbortController();
  const stop = () => stopped.abort();
  process.once('SIGINT', stop);
  try {
    while (!stopped.signal.aborted) {
      const text = `${new Date().toISOString()}  ksp status ${stream}  (every ${intervalArg ?? '2s'}, Ctrl-C to stop)\n\n${render(await read())}`;
      // Clear the screen and home the cursor on a terminal; elsewhere print one table per refresh.
      process.stdout.write(process.stdout.isTTY ? `\x1b[H\x1b[2J${text}\n` : `${text}\n\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        stopped.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  } finally {
    process.off('SIGINT', stop);
  }
}

export async function pauseCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('pause', argv, {
    reason: { type: 'string' },
    json: { type: 'boolean' },
  });
  const stream = requireStream('pause', positionals);
  const reason = stringFlag(values.reason);
  await pauseStream(await ctx.temporal(), stream, reason ? { reason } : {});
  print(
    values.json === true,
    {
      streamName: stream,
      workflowId: streamWorkflowId(stream),
      sent: 'pause',
      ...(reason ? { reason } : {}),
    },
    `pause sent to ${stream}: every shard stops after its batch in flight`,
  );
}

export async function resumeCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('resume', argv, { json: { type: 'boolean' } });
  const stream = requireStream('resume', positionals);
  await resumeStream(await ctx.temporal(), stream);
  print(
    values.json === true,
    { streamName: stream, workflowId: streamWorkflowId(stream), sent: 'resume' },
    `resume sent to ${stream}`,
  );
}

export async function stopCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('stop', argv, {
    wait: { type: 'boolean' },
    json: { type: 'boolean' },
    'deregister-consumer': { type: 'boolean' },
    consumer: { type: 'string' },
  });
  const stream = requireStream('stop', positionals);
  const deregister = values['deregister-consumer'] === true;
  const consumer = stringFlag(values.consumer);
  if (consumer !== undefined && !deregister) {
    throw new UsageError('--consumer names the consumer to deregister: add --deregister-consumer');
  }
  const client = await ctx.temporal();
  await stopStream(client, stream);
  const sent = `stop sent to ${stream}: shards drain their batch in flight and keep their checkpoints`;
  const ack = { streamName: stream, workflowId: streamWorkflowId(stream), sent: 'stop' };
  if (!values.wait && !deregister) return print(values.json === true, ack, sent);
  console.error(`${sent}; waiting for the stream workflow to end …`);
  const result = await streamHandle(client, stream).result();
  if (!deregister) return print(values.json === true, { ...ack, result }, JSON.stringify(result, null, 2));
  const done = await deregisterStreamConsumer(ctx, client, stream, consumer);
  print(
    values.json === true,
    { ...ack, result, deregisteredConsumer: done.deregistered ? done.consumer : null },
    `${JSON.stringify(result, null, 2)}\n` +
      (done.deregistered
        ? `enhanced fan-out consumer ${done.consumer} deregistered`
        : `enhanced fan-out consumer ${done.consumer} was not registered`),
  );
}
