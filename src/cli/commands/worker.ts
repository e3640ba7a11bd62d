/** `ksp worker`: runs a worker; everything it needs comes from the environment. */
import { runWorker } from '../../workers/main';
import type { CliContext } from '../context';
import { AWS_ENV, TEMPORAL_ENV, WORKER_ENV, helpFooter } from '../help';
import { UsageError, parse } from '../usage';

export const WORKER_HELP = `Usage: KSP_HANDLER=<module> ksp worker
Runs a worker: the stream, shard, reshard, autoscale and DLQ-replay workflows and their
activities, with your handler, on the task queue. Run as many as you like; Ctrl-C (SIGINT) or
SIGTERM lets the batches in flight finish first. Takes no flags: it reads the environment.
${helpFooter(WORKER_ENV, TEMPORAL_ENV, AWS_ENV)}`;

export async function workerCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const { positionals } = parse('worker', argv, {});
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument ${positionals[0]}: the worker takes its settings from the environment. See \`ksp worker --help\`.`,
    );
  }
  await runWorker(ctx.env, ctx.temporalFlags);
}
