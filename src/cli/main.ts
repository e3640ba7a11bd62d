/**
 * The `ksp` command. Reads the environment once here and hands options to everything else.
 * Results go to stdout, progress and errors to stderr; exit codes: 0 ok, 1 failed, 2 usage.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { closestName } from '../config/checks';
import { ConfigError } from '../errors';
import { TargetError } from '../client/stream-control';
import { type CliContext, TEMPORAL_FLAGS_HELP, createCliContext, takeTemporalFlags } from './context';
import { AUTOSCALE_HELP, autoscaleCommand } from './commands/autoscale';
import {
  PAUSE_HELP,
  RESUME_HELP,
  STATUS_HELP,
  STOP_HELP,
  pauseCommand,
  resumeCommand,
  statusCommand,
  stopCommand,
} from './commands/control';
import { DEV_HELP, devCommand } from './commands/dev';
import { DLQ_HELP, dlqCommand } from './commands/dlq';
import { PRODUCE_HELP, produceCommand } from './commands/produce';
import { QUARANTINE_HELP, quarantineCommand } from './commands/quarantine';
import { RESHARD_HELP, reshardCommand } from './commands/reshard';
import { SEEK_HELP, seekCommand } from './commands/seek';
import { START_HELP, startCommand } from './commands/stream';
import { WORKER_HELP, workerCommand } from './commands/worker';
import { EXIT_CODES } from './help';
import { UsageError } from './usage';

const HELP = `ksp — consume Kinesis streams with one durable Temporal workflow per shard

Usage: ksp <command> [options]      ksp <command> --help      ksp --version

  dev                      run everything locally: Temporal dev server + Web UI, kinesis-local,
                           fauxqs, a worker, a demo stream with producer (what \`npm start\` runs)
  worker                   run a worker (KSP_HANDLER=<module> selects the handler)
  start <stream>           start consuming a stream
  status <stream>          every shard: state, checkpoint, handled, dead-lettered, lag
  pause <stream>           stop fetching after the batches in flight
  resume <stream>          continue from the checkpoints
  stop <stream>            drain and stop; a later \`ksp start\` resumes from the checkpoints
  seek <stream>            --to <time|TRIM_HORIZON|LATEST>: rewind or skip the shards while they run
  dlq <sub> <queue-url>    peek | replay | status | stop a dead-letter queue
  quarantine <sub>         list | release partition keys held back (quarantineKeys)
  reshard <stream>         --to N | --split <shard> | --merge <a> <b>: change the shard layout
  autoscale <stream>       scale the shard count on measured load (--status, --stop)
  produce <stream>         write demo records

Every command that prints a result takes --json. Results go to stdout, progress and errors to stderr.

${TEMPORAL_FLAGS_HELP}
${EXIT_CODES}`;

/** A command: resolves to its exit code, or to nothing for 0. */
type Command = (ctx: CliContext, argv: string[]) => Promise<number | void>;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  dev: { run: devCommand, help: DEV_HELP },
  worker: { run: workerCommand, help: WORKER_HELP },
  start: { run: startCommand, help: START_HELP },
  status: { run: statusCommand, help: STATUS_HELP },
  pause: { run: pauseCommand, help: PAUSE_HELP },
  resume: { run: resumeCommand, help: RESUME_HELP },
  stop: { run: stopCommand, help: STOP_HELP },
  seek: { run: seekCommand, help: SEEK_HELP },
  dlq: { run: dlqCommand, help: DLQ_HELP },
  quarantine: { run: quarantineCommand, help: QUARANTINE_HELP },
  reshard: { run: reshardCommand, help: RESHARD_HELP },
  autoscale: { run: autoscaleCommand, help: AUTOSCALE_HELP },
  produce: { run: produceCommand, help: PRODUCE_HELP },
};

/** The version in package.json (two levels up from both src/cli and dist/cli). */
export function version(): string {
  const file = path.join(__dirname, '..', '..', 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** The exit code for an error: 2 for what the user asked or typed, 1 for what failed. */
function exitCode(err: unknown): number {
  if (err instanceof TargetError) return err.unavailable ? 1 : 2;
  if (err instanceof UsageError || err instanceof ConfigError) return 2;
  return err instanceof Error && err.name === 'HandlerLoadError' ? 2 : 1;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    console.log(version());
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return 0;
  }
  if (!name) {
    console.error(HELP);
    return 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    const near = closestName(name, Object.keys(COMMANDS));
    console.error(
      `ksp: unknown command "${name}"${near ? `: did you mean ${near}?` : ''} See \`ksp --help\`.`,
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
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
    return (await command.run(ctx, connection.rest)) ?? 0;
  } catch (err) {
    console.error(`ksp ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return exitCode(err);
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
