/**
 * The `ksp` command. Reads the environment once here and hands options to everything else.
 */
import { ConfigError } from '../errors';
import { runWorker } from '../workers/main';
import { TargetError } from '../client/stream-control';
import { type CliContext, TEMPORAL_FLAGS_HELP, createCliContext, takeTemporalFlags } from './context';
import { DEV_HELP, devCommand } from './commands/dev';
import { DLQ_HELP, dlqCommand } from './commands/dlq';
import { PRODUCE_HELP, produceCommand } from './commands/produce';
import { AUTOSCALE_HELP, autoscaleCommand } from './commands/autoscale';
import { RESHARD_HELP, reshardCommand } from './commands/reshard';
import {
  START_HELP,
  pauseCommand,
  resumeCommand,
  startCommand,
  statusCommand,
  stopCommand,
} from './commands/stream';
import { UsageError } from './usage';

const HELP = `ksp — consume Kinesis streams with one durable Temporal workflow per shard

Usage: ksp <command> [options]

  dev                      run everything locally: Temporal dev server + Web UI, kinesis-local,
                           fauxqs, a worker, a demo stream with producer (what \`npm start\` runs)
  worker                   run a worker (KSP_HANDLER=<module> selects the handler)
  start <stream>           start consuming a stream (see \`ksp start --help\`)
  status <stream> [--json] every shard: state, checkpoint, handled, dead-lettered, lag
  pause <stream> [--reason <text>]   stop fetching after the batches in flight
  resume <stream>          continue from the checkpoints
  stop <stream> [--wait]   drain and stop; a later \`ksp start\` resumes from the checkpoints
  dlq <sub> <queue-url>    peek | replay | status | stop a dead-letter queue (\`ksp dlq --help\`)
  reshard <stream>         --to N | --split <shard> | --merge <a> <b>: change the shard layout
  autoscale <stream>       scale the shard count on measured load (--status, --stop)
  produce <stream>         write demo records (see \`ksp produce --help\`)

Temporal CLI equivalents: temporal workflow query --workflow-id ksp:<stream> --type status
                          temporal workflow signal --workflow-id ksp:<stream> --name pause|resume|stop

${TEMPORAL_FLAGS_HELP}`;

type Command = (ctx: CliContext, argv: string[]) => Promise<void>;

const COMMANDS: Record<string, { run: Command; help?: string }> = {
  dev: { run: devCommand, help: DEV_HELP },
  worker: { run: (ctx) => runWorker(ctx.env, ctx.temporalFlags) },
  start: { run: startCommand, help: START_HELP },
  status: { run: statusCommand },
  pause: { run: pauseCommand },
  resume: { run: resumeCommand },
  stop: { run: stopCommand },
  dlq: { run: dlqCommand, help: DLQ_HELP },
  reshard: { run: reshardCommand, help: RESHARD_HELP },
  autoscale: { run: autoscaleCommand, help: AUTOSCALE_HELP },
  produce: { run: produceCommand, help: PRODUCE_HELP },
};

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`ksp: unknown command "${name}".\n\n${HELP}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help ?? HELP);
    return 0;
  }
  let connection: ReturnType<typeof takeTemporalFlags>;
  try {
    connection = takeTemporalFlags(rest);
  } catch (err) {
    console.error(`ksp ${name}: ${(err as Error).message}`);
    return 2;
  }
  const ctx = createCliContext(env, connection.flags);
  try {
    await command.run(ctx, connection.rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof TargetError) {
      console.error(`ksp ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof Error && err.name === 'HandlerLoadError') {
      console.error(`ksp ${name}: ${err.message}`);
      return 2;
    }
    console.error(`ksp ${name}:`, err instanceof Error ? err.message : err);
    return 1;
  } finally {
    await ctx.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
