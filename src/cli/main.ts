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
import type * as DevCommand from './commands/dev';
import type * as WorkerCommand from './commands/worker';
import type * as StreamCommand from './commands/stream';
import type * as ControlCommands from './commands/control';
import type * as SeekCommand from './commands/seek';
import type * as DlqCommand from './commands/dlq';
import type * as QuarantineCommand from './commands/quarantine';
import type * as ReshardCommand from './commands/reshard';
import type * as AutoscaleCommand from './commands/autoscale';
import type * as ProduceCommand from './commands/produce';
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

/**
 * Each command's module, loaded only when that command runs: `ksp status` does not load the
 * worker SDK (its native bridge alone takes about a second to load) and `ksp --help` loads none.
 */
const COMMANDS: Record<string, () => { run: Command; help: string }> = {
  dev: () => {
    const m = require('./commands/dev') as typeof DevCommand;
    return { run: m.devCommand, help: m.DEV_HELP };
  },
  worker: () => {
    const m = require('./commands/worker') as typeof WorkerCommand;
    return { run: m.workerCommand, help: m.WORKER_HELP };
  },
  start: () => {
    const m = require('./commands/stream') as typeof StreamCommand;
    return { run: m.startCommand, help: m.START_HELP };
  },
  status: () => {
    const m = require('./commands/control') as typeof ControlCommands;
    return { run: m.statusCommand, help: m.STATUS_HELP };
  },
  pause: () => {
    const m = require('./commands/control') as typeof ControlCommands;
    return { run: m.pauseCommand, help: m.PAUSE_HELP };
  },
  resume: () => {
    const m = require('./commands/control') as typeof ControlCommands;
    return { run: m.resumeCommand, help: m.RESUME_HELP };
  },
  stop: () => {
    const m = require('./commands/control') as typeof ControlCommands;
    return { run: m.stopCommand, help: m.STOP_HELP };
  },
  seek: () => {
    const m = require('./commands/seek') as typeof SeekCommand;
    return { run: m.seekCommand, help: m.SEEK_HELP };
  },
  dlq: () => {
    const m = require('./commands/dlq') as typeof DlqCommand;
    return { run: m.dlqCommand, help: m.DLQ_HELP };
  },
  quarantine: () => {
    const m = require('./commands/quarantine') as typeof QuarantineCommand;
    return { run: m.quarantineCommand, help: m.QUARANTINE_HELP };
  },
  reshard: () => {
    const m = require('./commands/reshard') as typeof ReshardCommand;
    return { run: m.reshardCommand, help: m.RESHARD_HELP };
  },
  autoscale: () => {
    const m = require('./commands/autoscale') as typeof AutoscaleCommand;
    return { run: m.autoscaleCommand, help: m.AUTOSCALE_HELP };
  },
  produce: () => {
    const m = require('./commands/produce') as typeof ProduceCommand;
    return { run: m.produceCommand, help: m.PRODUCE_HELP };
  },
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
  const load = COMMANDS[name];
  if (!load) {
    const near = closestName(name, Object.keys(COMMANDS));
    console.error(
      `ksp: unknown command "${name}"${near ? `: did you mean ${near}?` : ''} See \`ksp --help\`.`,
    );
    return 2;
  }
  const command = load();
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
