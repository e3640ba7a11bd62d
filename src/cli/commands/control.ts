/** `ksp status | pause | resume | stop <stream>`: ask or tell a running stream workflow. */
import {
  liveStreamStatus,
  pauseStream,
  resumeStream,
  stopStream,
  streamHandle,
} from '../../client/stream-control';
import { streamWorkflowId } from '../../constants';
import type { CliContext } from '../context';
import { TEMPORAL_ENV, helpFooter } from '../help';
import { formatStreamStatus } from '../render-status';
import { UsageError, parse, requireStream, stringFlag } from '../usage';

const footer = helpFooter(TEMPORAL_ENV);

export const STATUS_HELP = `Usage: ksp status <stream> [--json]
Every shard of the stream: state, checkpoint, records handled and dead-lettered, lag.
  --json                     print the status as JSON
Temporal CLI: temporal workflow query --workflow-id ksp:<stream> --type status
${footer}`;

export const PAUSE_HELP = `Usage: ksp pause <stream> [--reason <text>] [--json]
Every shard stops fetching after its batch in flight; checkpoints are kept. \`ksp resume\` continues.
  --reason <text>            shown by \`ksp status\` while paused
  --json                     print the result as JSON
Temporal CLI: temporal workflow signal --workflow-id ksp:<stream> --name pause
${footer}`;

export const RESUME_HELP = `Usage: ksp resume <stream> [--json]
Continues a paused stream from its checkpoints.
  --json                     print the result as JSON
Temporal CLI: temporal workflow signal --workflow-id ksp:<stream> --name resume
${footer}`;

export const STOP_HELP = `Usage: ksp stop <stream> [--wait] [--json]
Drains and stops: each shard finishes its batch in flight and keeps its checkpoint; a later
\`ksp start\` resumes from there.
  --wait                     wait until the stream workflow has ended and print its result
  --json                     print the result as JSON
Temporal CLI: temporal workflow signal --workflow-id ksp:<stream> --name stop
${footer}`;

/** Prints a command's result: JSON, or the line for the terminal. */
function print(json: boolean, result: object, line: string): void {
  console.log(json ? JSON.stringify(result, null, 2) : line);
}

export async function statusCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { values, positionals } = parse('status', argv, { json: { type: 'boolean' } });
  const stream = requireStream('status', positionals);
  const client = await ctx.temporal();
  const status = await liveStreamStatus(client, stream).catch((err: Error) => {
    throw new UsageError(
      `no status for stream ${stream}: ${err.message}. Is it started (\`ksp start ${stream}\`) and a worker running?`,
    );
  });
  console.log(values.json ? JSON.stringify(status, null, 2) : formatStreamStatus(status));
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
  });
  const stream = requireStream('stop', positionals);
  const client = await ctx.temporal();
  await stopStream(client, stream);
  const sent = `stop sent to ${stream}: shards drain their batch in flight and keep their checkpoints`;
  const ack = { streamName: stream, workflowId: streamWorkflowId(stream), sent: 'stop' };
  if (!values.wait) return print(values.json === true, ack, sent);
  console.error(`${sent}; waiting for the stream workflow to end …`);
  const result = await streamHandle(client, stream).result();
  print(values.json === true, { ...ack, result }, JSON.stringify(result, null, 2));
}
